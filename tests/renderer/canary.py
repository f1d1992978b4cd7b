"""A loopback canary that records every connection and datagram, and a document that tries every way out to it."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


class Canary:
    """Loopback TCP and UDP listeners that record every connection and datagram, HTTP or not."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def __aenter__(self) -> Canary:
        loop = asyncio.get_running_loop()
        self._tcp = await asyncio.start_server(self._on_connection, "127.0.0.1", 0)
        self._udp, _ = await loop.create_datagram_endpoint(
            lambda: _DatagramRecorder(self.seen), local_addr=("127.0.0.1", 0)
        )
        self.tcp_port = self._tcp.sockets[0].getsockname()[1]
        self.udp_port = self._udp.get_extra_info("sockname")[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._udp.close()
        self._tcp.close()
        await self._tcp.wait_closed()

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await reader.readline()
            self.seen.append(f"tcp: {line.decode(errors='replace').strip() or '(connection only)'}")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        except OSError:  # the page gave up on it at once: the connection was still made, and is recorded
            self.seen.append("tcp: (connection reset)")
        finally:  # closed and waited for here, so no stream is left for the garbage collector to warn about
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


class _DatagramRecorder(asyncio.DatagramProtocol):
    def __init__(self, seen: list[str]) -> None:
        self.seen = seen

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.seen.append(f"udp: {len(data)} bytes")


def leaky_html(tcp_port: int, udp_port: int) -> str:
    """A document that tries every way we know to reach the canary over the network."""
    base = f"http://127.0.0.1:{tcp_port}"
    return f"""<!DOCTYPE html><html><head>
<link rel="preconnect" href="{base}">
<link rel="dns-prefetch" href="http://canary.example">
<link rel="stylesheet" href="{base}/style.css">
<link rel="preload" href="{base}/preload" as="fetch">
<link rel="prefetch" href="{base}/prefetch">
<link rel="icon" href="{base}/favicon.ico">
<style>
  @import url("{base}/import.css");
  @font-face {{ font-family: Leak; src: url("{base}/font.woff2"); }}
  body {{ background: url("{base}/background.png"); font-family: Leak; }}
</style>
<script src="{base}/script.js"></script>
</head><body>
<p>leaky document</p>
<img src="{base}/img.png" srcset="{base}/img2x.png 2x">
<iframe src="{base}/frame"></iframe>
<object data="{base}/object"></object>
<embed src="{base}/embed">
<video poster="{base}/poster.png" src="{base}/video.mp4"></video>
<audio src="{base}/audio.mp3" autoplay></audio>
<svg width="10" height="10"><image href="{base}/svg-image.png" width="10" height="10"/></svg>
<form action="{base}/form" method="post"><input type="submit"></form>
<script>
  fetch("{base}/fetch").catch(() => {{}});
  const xhr = new XMLHttpRequest(); xhr.open("GET", "{base}/xhr"); xhr.send();
  new Image().src = "{base}/js-image.png";
  navigator.sendBeacon("{base}/beacon", "x");
  new EventSource("{base}/events");
  try {{ new WebSocket("ws://127.0.0.1:{tcp_port}/socket"); }} catch (e) {{}}
  try {{ new Worker("{base}/worker.js"); }} catch (e) {{}}
  navigator.serviceWorker && navigator.serviceWorker.register("{base}/sw.js").catch(() => {{}});
  const pc = new RTCPeerConnection({{iceServers: [{{urls: "stun:127.0.0.1:{udp_port}"}}]}});
  pc.createDataChannel("leak");
  pc.createOffer().then((offer) => pc.setLocalDescription(offer));
  document.forms[0].submit();
</script>
</body></html>"""
