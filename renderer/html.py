"""Report data and chart SVGs in, one self-contained HTML document out: pure, no browser."""

from __future__ import annotations

import datetime as dt
import functools

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from crb.report import ReportData

TEMPLATE = "report.html"


def render_html(report: ReportData, charts: dict[str, str]) -> str:
    """The printable report; `charts` holds trusted inline SVG markup from `renderer.charts`."""
    template = _environment().get_template(TEMPLATE)
    return template.render(
        report=report,
        charts={name: Markup(svg) for name, svg in charts.items()},
        recommended_hours=sum(f.hours_saved_per_week for f in report.findings if f.recommended),
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
    return env


def long_date(day: dt.date) -> str:
    """`2 January 2025`: spelled out, so it reads the same in every locale."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def eur(amount: float) -> str:
    """Whole euros with thousands separators: `€12,480`."""
    return f"€{amount:,.0f}"


def hours(value: float) -> str:
    return f"{value:.1f}"


def pct(share: float) -> str:
    """A share as whole per cent: `0.15` → `15 %`."""
    return f"{share * 100:.0f} %"


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
