"""Helpers for the renderer service tests: settings with small limits, PDFs as text, metrics as numbers."""

from __future__ import annotations

import asyncio
import io
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, PdfObject

from crb.settings import RendererSettings

TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
HTML = {**AUTH, "Content-Type": "text/html; charset=utf-8"}

Client = TestClient[web.Request, web.Application]

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def settings(**renderer: str) -> RendererSettings:
    """Settings for one test app; `renderer` holds RENDERER_* variables without the prefix, e.g. PAGES="1"."""
    env = {"RENDERER_TOKEN": TOKEN}
    env.update({f"RENDERER_{name}": value for name, value in renderer.items()})
    return RendererSettings.from_env(env)


def pdf_text(pdf: bytes) -> list[str]:
    """Each page's text, with ligatures spelt out (Chromium 156 maps "fi" to the single glyph "ﬁ")."""
    return [unicodedata.normalize("NFKC", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def pdf_dict(value: PdfObject) -> DictionaryObject:
    """A dictionary read from a PDF (pypdf gives what it reads as any PDF object)."""
    assert isinstance(value, DictionaryObject), value
    return value


async def error_of(response: ClientResponse) -> dict[str, Any]:
    body: dict[str, dict[str, Any]] = await response.json()
    return body["error"]


def parse_metrics(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus text exposition, keyed by name and labels."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        assert match, f"not a Prometheus sample: {line!r}"
        name, labels, value = match.groups()
        samples[name, frozenset(_LABEL.findall(labels or ""))] = float(value)
    return samples


async def metric(client: Client, name: str, labels: Mapping[str, str] | None = None) -> float:
    response = await client.get("/metrics")
    return parse_metrics(await response.text())[name, frozenset((labels or {}).items())]


async def eventually(check: Callable[[], Any], *, within_s: float = 15.0) -> None:
    """Wait until the async `check` returns true; fail after `within_s` (a bound, never a measurement)."""
    async with asyncio.timeout(within_s):
        while not await check():  # noqa: ASYNC110  (polling the service from outside, as a probe would)
            await asyncio.sleep(0.05)


def busy_script(seconds: float) -> str:
    """A document whose script keeps the page busy for a while, then finishes."""
    script = f"const end = Date.now() + {seconds * 1000:.0f}; while (Date.now() < end) {{}}"
    return f"<p>slow job</p><script>{script}</script>"
