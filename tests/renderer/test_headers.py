"""Header and footer templates may load nothing but inline data: URLs; what they would load is named."""

from __future__ import annotations

import pytest

from renderer.headers import check_template, css_references
from renderer.options import OptionError


@pytest.mark.parametrize(
    "html",
    [
        "<div>Page <span class=pageNumber></span> of <span class=totalPages></span></div>",
        '<html><head><style>body { font-size: 9px; color: #333 }</style></head><body class="title"></body></html>',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        "<style>div { background: url('data:image/gif;base64,R0lGODlhAQABAAAAACw=') }</style>",
        '<svg><rect style="fill: url(#shade)"/></svg>',  # a fragment is the template's own
        '<a href="https://example.com">our site</a>',  # a link is never loaded
        "<p>url(http://example.com) is text, not CSS</p>",
    ],
)
def test_templates_with_inline_resources_only_pass(html: str) -> None:
    check_template("footer.html", html)


@pytest.mark.parametrize(
    ("html", "loads"),
    [
        ('<link rel="stylesheet" href="http://127.0.0.1:9/s.css">', "http://127.0.0.1:9/s.css"),
        ('<img src="logo.png">', "logo.png"),
        ('<img srcset="data:image/png;base64,AA 1x, big.png 2x">', "big.png"),
        ("<style>@import 'theme.css';</style>", "theme.css"),
        ("<style>@font-face { font-family: F; src: url(http://10.0.0.1/f.woff2) }</style>", "http://10.0.0.1/f.woff2"),
        (r"<style>@font-face { src: u\72 l(//evil.example/f) }</style>", "//evil.example/f"),  # a CSS escape
        ("<div style=\"background-image: image-set('http://x.example/a.png' 1x)\"></div>", "http://x.example/a.png"),
        ('<svg><image href="file:///etc/hostname"/></svg>', "file:///etc/hostname"),
        ('<img src="&#104;ttp://x.example/a.png">', "http://x.example/a.png"),  # entities are decoded first
        ("<script src=https://x.example/s.js></script>", "https://x.example/s.js"),
    ],
)
def test_templates_that_would_load_something_are_refused_naming_it(html: str, loads: str) -> None:
    with pytest.raises(OptionError) as caught:
        check_template("header.html", html)

    assert caught.value.field == "header.html"
    assert repr(loads) in caught.value.message


def test_css_references_undo_escapes_and_skip_empty_urls() -> None:
    assert css_references(r"a { b: \75rl(x.png); c: url(); d: url( 'y.png' ) } @import url(z.css);") == [
        "x.png",
        "y.png",
        "z.css",
    ]
