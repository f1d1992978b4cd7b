"""The renderer over HTTP with a real Chromium: PDFs, auth, errors, and no way out to the network."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from pypdf import PdfReader

from crb.report import ReportData
from crb.settings import Settings
from renderer.app import MAX_BODY_BYTES, create_app

pytestmark = pytest.mark.browser

TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
HTML = {**AUTH, "Content-Type": "text/html; charset=utf-8"}

Client = TestClient[web.Request, web.Application]


def _settings(data_dir: Path) -> Settings:
    return Settings.from_env({"DATA_DIR": str(data_dir), "RENDERER_TOKEN": TOKEN})


@pytest.fixture(scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Client]:
    """One app, and so one Chromium, for the whole module."""
    app = create_app(_settings(tmp_path_factory.mktemp("data")))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.fixture
def report_json(report: ReportData) -> dict[str, Any]:
    return report.model_dump(mode="json")


def _pdf_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


async def _error(response: ClientResponse) -> dict[str, Any]:
    body: dict[str, dict[str, Any]] = await response.json()
    return body["error"]


async def test_report_is_a_vector_pdf_with_the_content(client: Client, report_json: dict[str, Any]) -> None:
    response = await client.post("/v1/reports", json=report_json, headers=AUTH)

    assert response.status == 200
    assert response.content_type == "application/pdf"
    pdf = await response.read()
    assert pdf.startswith(b"%PDF-")
    pages = _pdf_text(pdf)
    assert len(pages) >= 2
    assert response.headers["X-Page-Count"] == str(len(pages))
    text = "\n".join(pages)
    assert "Acme GmbH" in text
    assert "Executive summary" in text
    assert "Methodology and assumptions" in text
    assert b"/Subtype /Image" not in pdf
    assert all(not page.images for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_pages_are_numbered_after_the_cover(client: Client, report_json: dict[str, Any]) -> None:
    response = await client.post("/v1/reports", json=report_json, headers=AUTH)

    pages = _pdf_text(await response.read())
    assert "Page 1 of" not in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} of {len(pages)}" in text


async def test_missing_or_wrong_token_is_401(client: Client, report_json: dict[str, Any]) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        response = await client.post("/v1/reports", json=report_json, headers=headers)

        assert response.status == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert (await _error(response))["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r["findings"][0].update(title=123), "findings.0.title"),
        (lambda r: r["pillars"][1].update(score=101), "pillars.1.score"),
        (lambda r: r.pop("company_name"), "company_name"),
        (lambda r: r.update(colour="blue"), "colour"),
    ],
)
async def test_invalid_report_is_422_naming_the_field(
    client: Client, report_json: dict[str, Any], change: Callable[[dict[str, Any]], object], field: str
) -> None:
    change(report_json)

    response = await client.post("/v1/reports", json=report_json, headers=AUTH)

    assert response.status == 422
    error = await _error(response)
    assert error["code"] == "invalid_report"
    assert error["field"] == field
    assert field in error["message"]


async def test_malformed_json_is_400(client: Client) -> None:
    for body in (b"{not json", b"\xff\xfe", b""):
        response = await client.post("/v1/reports", data=body, headers=AUTH)

        assert response.status == 400
        assert await _error(response) == {
            "code": "invalid_json",
            "message": "the body is not valid JSON",
            "field": None,
        }


async def test_huge_body_is_413(client: Client) -> None:
    body = io.BytesIO(b'{"company_name": "' + b"x" * MAX_BODY_BYTES + b'"}')

    response = await client.post("/v1/reports", data=body, headers=AUTH)

    assert response.status == 413
    assert (await _error(response))["code"] == "payload_too_large"


async def test_unknown_route_is_a_json_404(client: Client) -> None:
    response = await client.get("/v1/nothing-here", headers=AUTH)

    assert response.status == 404
    assert (await _error(response))["code"] == "not_found"


async def test_healthz_reports_the_browser(client: Client) -> None:
    response = await client.get("/healthz")

    assert response.status == 200
    assert await response.json() == {"status": "ok", "browser": True}


async def test_html_document_becomes_a_pdf(client: Client) -> None:
    html = "<!DOCTYPE html><html><body><h1>Hello from HTML</h1></body></html>"

    response = await client.post("/v1/pdf", data=html, headers=HTML)

    assert response.status == 200
    pdf = await response.read()
    assert response.headers["X-Page-Count"] == "1"
    assert "Hello from HTML" in _pdf_text(pdf)[0]


async def test_html_needs_its_content_type(client: Client) -> None:
    response = await client.post("/v1/pdf", data="<p>hi</p>", headers={**AUTH, "Content-Type": "text/plain"})

    assert response.status == 415
    assert (await _error(response))["code"] == "unsupported_media_type"


async def test_javascript_runs_only_when_asked(client: Client) -> None:
    html = "<body><p>static</p><script>document.body.append('SCRIPT' + 'RAN')</script></body>"

    off = await client.post("/v1/pdf", data=html, headers=HTML)
    on = await client.post("/v1/pdf", data=html, params={"javascript": "true"}, headers=HTML)
    bad = await client.post("/v1/pdf", data=html, params={"javascript": "maybe"}, headers=HTML)

    assert "SCRIPTRAN" not in _pdf_text(await off.read())[0]
    assert "SCRIPTRAN" in _pdf_text(await on.read())[0]
    assert bad.status == 400
    assert (await _error(bad))["field"] == "javascript"


async def test_data_urls_still_load(client: Client) -> None:
    html = '<body><iframe src="data:text/html,<p>INLINE-FRAME</p>"></iframe></body>'

    response = await client.post("/v1/pdf", data=html, headers=HTML)

    assert "INLINE-FRAME" in _pdf_text(await response.read())[0]


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
        line = await reader.readline()
        self.seen.append(f"tcp: {line.decode(errors='replace').strip() or '(connection only)'}")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        writer.close()


class _DatagramRecorder(asyncio.DatagramProtocol):
    def __init__(self, seen: list[str]) -> None:
        self.seen = seen

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.seen.append(f"udp: {len(data)} bytes")


def _leaky_html(tcp_port: int, udp_port: int) -> str:
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


@pytest.mark.parametrize("javascript", ["false", "true"])
async def test_html_cannot_reach_the_network(client: Client, javascript: str) -> None:
    async with Canary() as canary:
        response = await client.post(
            "/v1/pdf",
            data=_leaky_html(canary.tcp_port, canary.udp_port),
            params={"javascript": javascript},
            headers=HTML,
        )
        await asyncio.sleep(0.5)  # room for any late connection to arrive

    assert response.status == 200
    assert canary.seen == []


async def test_html_cannot_read_local_files(client: Client, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("LOCAL-FILE-CONTENT")
    url = secret.as_uri()
    html = f'<body><p>probe</p><iframe src="{url}"></iframe><object data="{url}"></object></body>'

    response = await client.post("/v1/pdf", data=html, params={"javascript": "true"}, headers=HTML)

    text = "\n".join(_pdf_text(await response.read()))
    assert "probe" in text
    assert "LOCAL-FILE-CONTENT" not in text


async def test_a_hung_page_times_out_and_the_browser_recovers(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]], tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(_settings(tmp_path), job_timeout_s=2.0))

    hung = await client.post(
        "/v1/pdf", data="<script>while (true) {}</script>", params={"javascript": "true"}, headers=HTML
    )
    after = await client.post("/v1/pdf", data="<p>still working</p>", headers=HTML)

    assert hung.status == 504
    assert (await _error(hung))["code"] == "timeout"
    assert after.status == 200
    assert "still working" in _pdf_text(await after.read())[0]


async def test_many_reports_at_once(client: Client, report_json: dict[str, Any]) -> None:
    body = json.dumps(report_json)

    responses = await asyncio.gather(*(client.post("/v1/reports", data=body, headers=AUTH) for _ in range(6)))

    assert [r.status for r in responses] == [200] * 6
