"""Print options (paper, margins, orientation, scale, page ranges, header and footer, tags, outline) and how a request
spells them: Gotenberg's form-field names, read from a form, a query string or JSON, over the route's defaults."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

# CSS's absolute lengths in inches (https://www.w3.org/TR/css-values-4/#absolute-lengths); a bare number is inches,
# as in Gotenberg's form fields (https://gotenberg.dev/docs/convert-with-chromium/convert-html-to-pdf).
INCHES_PER_UNIT = {"in": 1.0, "cm": 1 / 2.54, "mm": 1 / 25.4, "pt": 1 / 72, "pc": 1 / 6, "px": 1 / 96}
# Chromium prints 250 in (6 m) but fails somewhere above; nothing real is that large, so refuse rather than fail.
MAX_PAPER_IN = 200.0
MIN_SCALE, MAX_SCALE = 0.1, 2.0  # what Page.printToPDF accepts

_LENGTH = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]{2})?\s*$", re.IGNORECASE)
_RANGE = re.compile(r"^(?:(?P<first>\d+)?\s*-\s*(?P<last>\d+)?|(?P<single>\d+))$")
_TRUE, _FALSE = {"true", "t", "1"}, {"false", "f", "0"}  # Go's strconv.ParseBool, as Gotenberg reads booleans

# The print fields, by Gotenberg's names; `headerTemplate` and `footerTemplate` are our names for the contents of
# Gotenberg's `header.html` and `footer.html` files, for the routes that take no files.
PRINT_FIELDS = (
    "paperWidth",
    "paperHeight",
    "marginTop",
    "marginBottom",
    "marginLeft",
    "marginRight",
    "landscape",
    "scale",
    "nativePageRanges",
    "printBackground",
    "preferCssPageSize",
    "generateDocumentOutline",
    "generateTaggedPdf",
    "headerTemplate",
    "footerTemplate",
)

# What Chromium shows for a header or footer left out when the other is given: nothing (its own default is the
# date and the title).
EMPTY_TEMPLATE = "<html><head></head><body></body></html>"


class OptionError(ValueError):
    """A print option, form field or parameter the renderer cannot take as given."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = f"{field}: {message}"


@dataclass(frozen=True)
class Margins:
    """In inches."""

    top: float = 0.0
    bottom: float = 0.0
    left: float = 0.0
    right: float = 0.0


@dataclass(frozen=True)
class PrintOptions:
    """What `page.pdf` writes besides the document: paper and margins (in inches), orientation, scale, pages,
    background, header and footer, structure and bookmarks.

    The defaults are the `/v1` routes': A4 with no margins, backgrounds printed, and a CSS `@page` size winning over
    the paper. `tagged` adds a structure tree (for screen readers and reflow); `outline` adds bookmarks, which
    Chromium builds from the headings of that tree, so it needs `tagged` too. Both cost time and bytes, so drafts
    go without. https://playwright.dev/python/docs/api/class-page#page-pdf
    """

    paper_width_in: float = 8.27  # A4 as Playwright's format "A4" spells it
    paper_height_in: float = 11.7
    margins: Margins = Margins()
    landscape: bool = False
    scale: float = 1.0
    page_ranges: str = ""  # every page
    print_background: bool = True
    prefer_css_page_size: bool = True
    header_template: str | None = None
    footer_template: str | None = None
    tagged: bool = False
    outline: bool = False

    @property
    def has_header_footer(self) -> bool:
        return self.header_template is not None or self.footer_template is not None

    def pdf_arguments(self) -> dict[str, Any]:
        """The keyword arguments of Playwright's `page.pdf` for these options."""
        m = self.margins
        arguments: dict[str, Any] = {
            "width": _inches(self.paper_width_in),
            "height": _inches(self.paper_height_in),
            "margin": {
                "top": _inches(m.top),
                "bottom": _inches(m.bottom),
                "left": _inches(m.left),
                "right": _inches(m.right),
            },
            "landscape": self.landscape,
            "scale": self.scale,
            "page_ranges": self.page_ranges,
            "print_background": self.print_background,
            "prefer_css_page_size": self.prefer_css_page_size,
            "tagged": self.tagged,
            "outline": self.outline,
        }
        if self.has_header_footer:
            arguments["display_header_footer"] = True
            arguments["header_template"] = self.header_template or EMPTY_TEMPLATE
            arguments["footer_template"] = self.footer_template or EMPTY_TEMPLATE
        return arguments


PLAIN = PrintOptions()
TAGGED = PrintOptions(tagged=True, outline=True)
# Gotenberg's defaults: US Letter, 0.39 in margins, no backgrounds, the paper winning over CSS.
GOTENBERG = PrintOptions(
    paper_width_in=8.5,
    paper_height_in=11.0,
    margins=Margins(0.39, 0.39, 0.39, 0.39),
    print_background=False,
    prefer_css_page_size=False,
)


def read_print_options(values: Mapping[str, object], base: PrintOptions) -> PrintOptions:
    """`base` changed by whichever print fields `values` holds; OptionError names the first one at fault.

    Values are strings (a form, a query string) or JSON's own types; an empty string means the default, as in
    Gotenberg. An outline asks for a tagged PDF as well: Chromium builds it from the structure tree.
    """
    m = base.margins
    margins = Margins(
        top=_length(values, "marginTop", m.top),
        bottom=_length(values, "marginBottom", m.bottom),
        left=_length(values, "marginLeft", m.left),
        right=_length(values, "marginRight", m.right),
    )
    outline = read_flag(values, "generateDocumentOutline", base.outline)
    options = replace(
        base,
        paper_width_in=_paper(values, "paperWidth", base.paper_width_in),
        paper_height_in=_paper(values, "paperHeight", base.paper_height_in),
        margins=margins,
        landscape=read_flag(values, "landscape", base.landscape),
        scale=_scale(values, base.scale),
        page_ranges=_page_ranges(values, base.page_ranges),
        print_background=read_flag(values, "printBackground", base.print_background),
        prefer_css_page_size=read_flag(values, "preferCssPageSize", base.prefer_css_page_size),
        header_template=read_text(values, "headerTemplate") or base.header_template,
        footer_template=read_text(values, "footerTemplate") or base.footer_template,
        tagged=read_flag(values, "generateTaggedPdf", base.tagged) or outline,
        outline=outline,
    )
    _check_room(options)
    return options


def read_flag(values: Mapping[str, object], name: str, default: bool) -> bool:
    value = _given(values, name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise OptionError(name, "must be true or false")


def read_text(values: Mapping[str, object], name: str) -> str | None:
    value = _given(values, name)
    if value is None or isinstance(value, str):
        return value
    raise OptionError(name, "must be a string")


def _given(values: Mapping[str, object], name: str) -> object:
    """The value sent for `name`, or None when it was left out or empty."""
    value = values.get(name)
    return None if value is None or value == "" else value


def _length(values: Mapping[str, object], name: str, default: float) -> float:
    """A length in inches, from `8.5`, `"8.5"`, `"210mm"`, `"1.5cm"`, `"72pt"`, `"96px"` or `"6pc"`."""
    value = _given(values, name)
    if value is None:
        return default
    if isinstance(value, int | float) and not isinstance(value, bool):
        inches = float(value)
    elif isinstance(value, str) and (match := _LENGTH.match(value)):
        number, unit = match.groups()
        factor = INCHES_PER_UNIT.get((unit or "in").lower())
        if factor is None:
            raise OptionError(name, f"unknown unit {unit!r}: use in, cm, mm, pt, pc or px")
        inches = float(number) * factor
    else:
        raise OptionError(name, "must be a length such as 8.5, 8.5in, 210mm, 21cm, 612pt, 51pc or 816px")
    if not math.isfinite(inches) or inches < 0:
        raise OptionError(name, "must be a length of zero or more")
    return inches


def _paper(values: Mapping[str, object], name: str, default: float) -> float:
    inches = _length(values, name, default)
    if not 0 < inches <= MAX_PAPER_IN:
        raise OptionError(name, f"must be more than 0 and at most {MAX_PAPER_IN:g} in")
    return inches


def _scale(values: Mapping[str, object], default: float) -> float:
    value = _given(values, "scale")
    if value is None:
        return default
    try:
        scale = float(value) if isinstance(value, int | float | str) and not isinstance(value, bool) else math.nan
    except ValueError:
        scale = math.nan
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise OptionError("scale", f"must be a number from {MIN_SCALE:g} to {MAX_SCALE:g}")
    return scale


def _page_ranges(values: Mapping[str, object], default: str) -> str:
    """Chromium's page ranges, e.g. `1-5, 8, 11-13` (`3-` to the end, `-3` from the start), checked beforehand."""
    value = read_text(values, "nativePageRanges")
    if value is None:
        return default
    for item in value.split(","):
        match = _RANGE.match(item.strip())
        if match is None or not any(match.groups()):
            raise OptionError("nativePageRanges", f"{value!r} is not a list of pages such as 1-5, 8, 11-13")
        first, last = (int(n) if n else None for n in (match["first"] or match["single"], match["last"]))
        if first == 0 or last == 0:
            raise OptionError("nativePageRanges", "pages are numbered from 1")
        if first is not None and last is not None and first > last:
            raise OptionError("nativePageRanges", f"the range {item.strip()} ends before it starts")
    return value.strip()


def _check_room(options: PrintOptions) -> None:
    """The margins must leave some of the page for the content (Chromium refuses otherwise)."""
    width, height = options.paper_width_in, options.paper_height_in
    if options.landscape:
        width, height = height, width
    m = options.margins
    if m.top + m.bottom >= height:
        raise OptionError("marginTop", "the top and bottom margins leave no room on the page")
    if m.left + m.right >= width:
        raise OptionError("marginLeft", "the left and right margins leave no room on the page")


def _inches(value: float) -> str:
    return f"{value!r}in"
