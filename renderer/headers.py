"""Header and footer templates checked before a print: they may load nothing but inline `data:` resources.

Chromium prints the templates in a frame of their own, outside the page's request routing
(https://gotenberg.dev/docs/convert-with-chromium/convert-html-to-pdf, "Header & Footer"). The browser's flags keep
every request from a network (renderer.browser.NO_NETWORK_ARGS), but a template that waits for a stylesheet or a
font that cannot come makes Chromium fail the print and lose the page; this check turns that into a 400 naming what
the template tried to load. A link (`<a href>`) loads nothing and is left alone.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from renderer.options import OptionError

# Attributes that make the browser fetch what they name (https://html.spec.whatwg.org/#attributes-3).
_FETCHING = {
    "src",
    "srcset",
    "href",
    "poster",
    "data",
    "background",
    "imagesrcset",
    "xlink:href",
    "action",
    "formaction",
}
_LINKS = {"a", "area"}  # their href is followed on a click, never loaded
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.DOTALL)
_CSS_REFERENCE = re.compile(r"""(?:url|image-set|image)\(\s*(['"]?)([^'")\s]*)|@import\s*(['"])([^'"]*)""", re.I)
_SRCSET_URL = re.compile(r"(?:^|,)\s*(\S+)")


def check_template(field: str, html: str) -> None:
    """OptionError naming the first resource `html` would load that is not an inline `data:` URL."""
    finder = _References()
    finder.feed(html)
    finder.close()
    for reference in finder.found:
        if not reference.lower().startswith(("data:", "#")):  # a fragment names something in the template itself
            raise OptionError(field, f"may load nothing but data: URLs, and loads {reference[:80]!r}")


class _References(HTMLParser):
    """Every URL an HTML fragment would load: fetching attributes, inline CSS and `<style>` sheets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "style":
                self.found.extend(css_references(value))
            elif name in ("srcset", "imagesrcset"):
                self.found.extend(_SRCSET_URL.findall(value))
            elif name in _FETCHING and tag not in _LINKS and value.strip():
                self.found.append(value.strip())
        self._in_style = tag == "style"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found.extend(css_references(data))


def css_references(css: str) -> list[str]:
    """The URLs a style sheet loads (`url()`, `image-set()`, `@import`), its escapes undone first."""
    plain = _CSS_ESCAPE.sub(_unescape, css)
    return [reference for m in _CSS_REFERENCE.finditer(plain) if (reference := m[2] or m[4])]


def _unescape(match: re.Match[str]) -> str:
    """One CSS escape (https://www.w3.org/TR/css-syntax-3/#consume-escaped-code-point)."""
    if match[1] is None:
        return match[2]
    code = int(match[1], 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
