"""Report data and chart SVGs in, one self-contained HTML document out: pure, no browser."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import io
from collections.abc import Mapping
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from crb.report import CATEGORY_LABELS, EuroRange, ReportData

TEMPLATE = "report.html"


def render_html(report: ReportData, charts: dict[str, str], pages: Mapping[str, int] | None = None) -> str:
    """The printable report; `charts` holds trusted inline SVG markup from `renderer.charts`.

    `pages` maps the anchors the contents page links to onto their page numbers, as a first print found
    them (`renderer.contents`); without it the contents page has the same layout, only no numbers.
    """
    template = _environment().get_template(TEMPLATE)
    return template.render(
        report=report,
        charts={name: Markup(svg) for name, svg in charts.items()},
        font_css=Markup(font_css()),
        pages=dict(pages or {}),
    )


@functools.cache
def _environment() -> Environment:
    """Built on first use (not at import) and then reused, so each template compiles once."""
    env = Environment(
        loader=PackageLoader("renderer", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["long_date"] = long_date
    env.filters["eur"] = eur
    env.filters["hours"] = hours
    env.filters["pct"] = pct
    env.filters["money"] = money
    env.filters["months"] = months
    env.filters["roi"] = roi
    env.filters["euro_range"] = euro_range
    env.filters["category"] = CATEGORY_LABELS.get
    env.filters["phase"] = _PHASES.get
    env.filters["option_kind"] = _OPTION_KINDS.get
    return env


@functools.cache
def font_css() -> str:
    """`@font-face` rules embedding DejaVu Sans (regular and bold, from matplotlib's own copy) as data URLs.

    Built on first use and cached: the fonts are subset to Latin, Greek, punctuation, arrows and maths
    (about 100 kB each instead of 750 kB), so every report's HTML stays small for Chromium to parse.
    Characters outside the subset fall back to the system's fonts.
    """
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    rules = []
    for file, weight in (("DejaVuSans.ttf", "normal"), ("DejaVuSans-Bold.ttf", "bold")):
        data = base64.b64encode(_subset_font(folder / file)).decode("ascii")
        rules.append(
            '@font-face { font-family: "DejaVu Sans"; font-style: normal; '
            f'font-weight: {weight}; src: url(data:font/ttf;base64,{data}) format("truetype"); }}'
        )
    return "\n".join(rules)


def _subset_font(path: Path) -> bytes:
    from fontTools import subset  # matplotlib's own dependency
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["kern", "liga"]
    options.hinting = False
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]
    font = TTFont(io.BytesIO(path.read_bytes()), lazy=True)  # read whole: no file left open
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for low, high in _FONT_RANGES for c in range(low, high + 1)])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


# Basic Latin to Latin Extended-B, Greek, general punctuation, currency (€), arrows, maths, shapes.
_FONT_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0x24F),
    (0x370, 0x3FF),
    (0x2010, 0x205E),
    (0x20A0, 0x20BF),
    (0x2122, 0x2122),
    (0x2190, 0x21FF),
    (0x2200, 0x22FF),
    (0x25A0, 0x25FF),
)


def long_date(day: dt.date) -> str:
    """`2 January 2025`: spelled out, so it reads the same in every locale."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def eur(amount: float) -> str:
    """Whole euros with thousands separators: `€12,480`, `-€300`."""
    whole = round(amount)
    return f"-€{-whole:,}" if whole < 0 else f"€{whole:,}"


def money(amount: float) -> str:
    """Euros and cents: `€36.00`."""
    return f"€{amount:,.2f}"


def euro_range(value: EuroRange) -> str:
    """`€50-€300`, or one amount when both ends agree."""
    return eur(value.low) if value.low == value.high else f"{eur(value.low)}-{eur(value.high)}"


def months(value: float) -> str:
    """A month count with at most one decimal: `4`, `2.5`."""
    return f"{value:.1f}".removesuffix(".0")


def roi(percent: float) -> str:
    """A ROI in whole per cent, as the table's own figure rounds: `152 %`, never `-0 %`."""
    return f"{round(percent)} %"  # round() gives an int, so -0.4 prints as 0


def hours(value: float) -> str:
    return f"{value:.1f}"


def pct(share: float) -> str:
    """A share as whole per cent: `0.15` → `15 %`."""
    return f"{share * 100:.0f} %"


_PHASES = {"quick_win": "Quick win", "foundation": "Foundation", "transformation": "Transformation"}
_OPTION_KINDS = {"off_the_shelf": "Off-the-shelf", "best_in_class": "Best-in-class", "custom": "Custom build"}

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
