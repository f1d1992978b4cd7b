"""A job's files, found by the address its page asks for while the job prints, and typed by their names."""

from __future__ import annotations

import pytest

from renderer.assets import INDEX, Asset, AssetServer, Bundle, asset


def bundle(*names: str) -> Bundle:
    return Bundle({name: Asset(name.encode(), "text/plain") for name in (INDEX, *names)})


def test_a_job_s_files_are_found_at_its_origin_while_it_prints() -> None:
    server = AssetServer()

    with server.serving(bundle("logo.png", "my style.css")) as url:
        origin = url.removesuffix(INDEX)
        assert url.startswith("http://job-") and url.endswith(f".renderer.invalid/{INDEX}")
        assert server.find(url) == Asset(INDEX.encode(), "text/plain")
        assert server.find(origin + "logo.png") == Asset(b"logo.png", "text/plain")
        assert server.find(origin + "my%20style.css?v=2#top") == Asset(b"my style.css", "text/plain")
        assert server.find(origin + "missing.png") is None
        assert server.find(origin + "img/logo.png") is None  # one flat folder, as Gotenberg's
        assert server.find(origin.replace("http:", "https:") + "logo.png") is None
        assert server.serving_now == 1

    assert server.find(origin + "logo.png") is None
    assert server.serving_now == 0


def test_jobs_never_see_each_other_s_files() -> None:
    server = AssetServer()

    with server.serving(bundle("a.png")) as first, server.serving(bundle("b.png")) as second:
        assert first != second
        assert server.find(first.removesuffix(INDEX) + "b.png") is None
        assert server.find(second.removesuffix(INDEX) + "b.png") is not None


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/logo.png", "file:///etc/hostname", "data:text/plain,x", "about:blank"]
)
def test_nothing_else_is_served(url: str) -> None:
    server = AssetServer()

    with server.serving(bundle("logo.png")):
        assert server.find(url) is None


@pytest.mark.parametrize(
    ("name", "declared", "content_type"),
    [
        ("style.css", "application/octet-stream", "text/css"),  # the extension wins, as on a file:// page
        ("LOGO.PNG", None, "image/png"),
        ("font.woff2", None, "font/woff2"),
        ("data.bin", "application/x-thing", "application/x-thing"),
        ("README", None, "application/octet-stream"),
    ],
)
def test_files_are_typed_by_their_names(name: str, declared: str | None, content_type: str) -> None:
    assert asset(name, b"", declared).content_type == content_type


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<p>Müller</p>".encode(), "text/html; charset=utf-8"),  # Chromium guesses UTF-8 for a file:// page
        (b"<p>plain</p>", "text/html; charset=utf-8"),
        ('<meta charset="iso-8859-1"><p>M\xfcller</p>'.encode("latin-1"), "text/html"),  # its own word decides
        ("<p>M\xfcller</p>".encode("latin-1"), "text/html"),
    ],
)
def test_html_is_utf_8_unless_it_says_otherwise_or_is_not(body: bytes, content_type: str) -> None:
    assert asset("index.html", body).content_type == content_type
