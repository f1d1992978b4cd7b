"""The report's charts: matplotlib Figures (never pyplot) turned into inline, deterministic SVG."""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, Polygon, Wedge
from matplotlib.textpath import text_to_path
from matplotlib.ticker import FuncFormatter, MaxNLocator

from crb.report import CATEGORY_LABELS, ReportData

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Brand colours, shared with renderer/templates/report.css.
INK = "#1f2a37"
MUTED = "#6b7280"
TRACK = "#e5e7eb"
ACCENT = "#2563eb"
ACCENT_LIGHT = "#bfdbfe"
GOOD = "#16a34a"
CAUTION = "#f59e0b"
BAD = "#dc2626"

# Band thresholds mirror crb.analysis.band; the colours only decorate the gauge.
BANDS = ((0, 40, BAD), (40, 60, CAUTION), (60, 80, ACCENT), (80, 100, GOOD))
# A recommendation needs both pillars at this score or above (mirrors crb.assessment's RECOMMEND_THRESHOLD, as
# the report's text does); the pillar chart draws it as a dashed line.
THRESHOLD = 6
# Clear space, in points, between a label and the bar end or curve next to it, and (wider, as a dashed line is
# easily read as touching) between a label and a dashed reference line.
GAP_PT = 4.0
LINE_GAP_PT = 7.0
DASHED = (0, (3, 2))

STATUSES = (
    ("recommended", "Recommended", GOOD),
    ("caution", "Caution", CAUTION),
    ("not_recommended", "Not recommended", BAD),
)


def build_charts(report: ReportData) -> dict[str, str]:
    """Every chart of the report as inline SVG markup, keyed by the name the template uses.

    Not thread-safe: `matplotlib.rc_context` changes process-wide rcParams, so call it from
    one thread at a time (the renderer app runs it on a single worker thread).
    """
    builders: dict[str, Callable[[ReportData], Figure]] = {
        "readiness": readiness_gauge,
        "pillars": pillar_bars,
        "timeline": value_timeline,
        "roi": roi_comparison,
        "findings": findings_breakdown,
    }
    charts = {}
    for name, build in builders.items():
        with matplotlib.rc_context(_svg_rc(salt=name)):
            charts[name] = _to_svg(build(report))
    return charts


def readiness_gauge(report: ReportData) -> Figure:
    """A semicircle in the four band colours, a needle at the readiness score, and the score below it."""
    score = report.readiness_score
    fig = Figure(figsize=(2.8, 2.0))
    fig.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=0.01)
    ax = fig.add_subplot()
    for low, high, colour in BANDS:
        ax.add_patch(Wedge((0, 0), 1.0, 180 - 1.8 * high, 180 - 1.8 * low, width=0.24, color=colour, alpha=0.85))
    for tick in (0, 40, 60, 80, 100):
        angle = math.radians(180 - 1.8 * tick)
        ax.text(
            1.14 * math.cos(angle), 1.14 * math.sin(angle), str(tick), ha="center", va="center", fontsize=7, color=MUTED
        )
    angle = math.radians(180 - 1.8 * score)
    tip = (0.9 * math.cos(angle), 0.9 * math.sin(angle))
    side = (0.045 * math.cos(angle + math.pi / 2), 0.045 * math.sin(angle + math.pi / 2))
    ax.add_patch(Polygon([tip, side, (-side[0], -side[1])], closed=True, color=INK))
    ax.add_patch(Circle((0, 0), 0.07, color=INK))
    ax.text(0, -0.13, str(score), ha="center", va="top", fontsize=22, color=INK, weight="bold")
    ax.text(0, -0.55, report.band, ha="center", va="top", fontsize=9, color=MUTED, parse_math=False)
    ax.set_xlim(-1.25, 1.25)
    ax.set_ylim(-0.78, 1.22)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return fig


def pillar_bars(report: ReportData) -> Figure:
    """The two pillars, Customer Value and Business Health, as horizontal bars on a 1-10 scale."""
    names = ["Customer Value", "Business Health"]
    scores = [report.customer_value, report.business_health]
    fig = Figure(figsize=(4.2, 1.2))
    fig.subplots_adjust(left=0.3, right=0.97, top=0.97, bottom=0.2)
    ax = fig.add_subplot()
    positions = [1, 0]
    ax.barh(positions, [10, 10], color=TRACK, height=0.55)
    colours = [GOOD if score >= THRESHOLD else CAUTION for score in scores]
    ax.barh(positions, scores, color=colours, height=0.55)
    per_inch = 10 / _axes_width(fig, ax)  # x data units per inch, the x axis running from 0 to 10
    for y, score in zip(positions, scores, strict=True):
        label = f"{score} / 10"
        width = _text_width(label, 9, weight="bold") * per_inch
        x, ha, inside = score_label_place(score, width, GAP_PT / 72 * per_inch, LINE_GAP_PT / 72 * per_inch)
        ax.text(x, y, label, va="center", ha=ha, color="white" if inside else INK, fontsize=9, weight="bold")
    line_bottom = -0.34  # just below the lower bar, which ends at -0.275
    ax.vlines(THRESHOLD, line_bottom, 1.34, color=INK, linewidth=0.8, linestyle=DASHED)
    ax.annotate(
        f"{THRESHOLD}: the bar for a recommendation",
        (THRESHOLD, line_bottom),
        xytext=(0, -LINE_GAP_PT),
        textcoords="offset points",
        ha="center",
        va="top",
        fontsize=7,
        color=MUTED,
    )
    _row_labels(ax, positions, names, fontsize=9)
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.5, 1.4)
    ax.set_axis_off()
    return fig


def score_label_place(score: float, width: float, gap: float, line_gap: float) -> tuple[float, str, bool]:
    """Where a pillar bar's score label goes, in data units: (x, alignment, whether inside the bar).

    At the bar's end inside it; else, where the threshold line would run through or next to it, left of
    the line; else after the bar. It stays `gap` clear of the bar's ends and `line_gap` of the line.
    """

    def clear_of_line(left: float, right: float) -> bool:
        return right + line_gap <= THRESHOLD or left - line_gap >= THRESHOLD

    end = score - gap
    if end - width >= gap and clear_of_line(end - width, end):
        return end, "right", True
    before_line = THRESHOLD - line_gap
    if before_line <= end and before_line - width >= gap:
        return before_line, "right", True
    after = score + gap
    return (after if clear_of_line(after, after + width) else THRESHOLD + line_gap), "left", False


def value_timeline(report: ReportData) -> Figure:
    """Cumulative value (with its low-high range) against cumulative investment, month by month."""
    points = report.timeline.points
    months = [p.month for p in points]
    value = [p.cumulative_value for p in points]
    cost = [p.cumulative_cost for p in points]
    total = report.value_summary.total_value
    # The range band scales the expected path by the summary's own low/high to expected ratios.
    low_share = total.low / total.expected if total.expected else 1.0
    high_share = total.high / total.expected if total.expected else 1.0
    fig = Figure(figsize=(6.6, 3.0))
    fig.subplots_adjust(left=0.12, right=0.97, top=0.95, bottom=0.25)
    ax = fig.add_subplot()
    # A plain polygon for the range band: much cheaper than fill_between, and the same drawing.
    band = [(m, v * high_share) for m, v in zip(months, value, strict=True)]
    band += [(m, v * low_share) for m, v in reversed(list(zip(months, value, strict=True)))]
    if band:
        ax.add_patch(Polygon(band, closed=True, color=ACCENT_LIGHT, lw=0))
    ax.plot(months, value, color=ACCENT, linewidth=2)
    ax.plot(months, cost, color=BAD, linewidth=2)
    last = max(months, default=36)
    top = max([*value, *cost, *(v * high_share for v in value)], default=0)
    break_even = report.timeline.break_even_month
    if break_even is None:
        ax.set_ylim(0, top * 1.05 or 1)
    else:
        ax.axvline(break_even, color=INK, linewidth=0.8, linestyle=DASHED)
        _break_even_label(fig, ax, break_even, last=last, top=top)
    ax.set_xlim(1, last)
    ax.set_xticks([m for m in (1, 6, 12, 18, 24, 30, 36) if m <= last])
    ax.set_xlabel("Month", fontsize=8, color=MUTED)
    ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.yaxis.set_major_formatter(FuncFormatter(_euro_thousands))
    ax.grid(axis="y", color=TRACK, linewidth=0.6)
    ax.set_axisbelow(True)
    _key(
        fig,
        0.04,
        [("Cumulative value (line: expected; band: low to high)", ACCENT), ("Cumulative investment and risk", BAD)],
    )
    _plain_axes(ax)
    return fig


def _break_even_label(fig: Figure, ax: Axes, month: int, *, last: int, top: float) -> None:
    """The break-even label beside its dashed line, in a strip that no curve reaches.

    The y axis is raised by the strip's height above the highest curve; the label sits right of the line,
    or left of it where the right has no room.
    """
    label = f"Break-even: month {month}"
    strip = (2 * GAP_PT / 72 + _line_height(8)) / _axes_height(fig, ax)  # a share of the axes' height
    ax.set_ylim(0, (top or 1) / (1 - strip))
    right_fits = _end_with_room(1, [month], [_text_width(label, 8)], _axes_width(fig, ax), LINE_GAP_PT) <= last
    ax.annotate(
        label,
        (month, 1),
        xycoords=("data", "axes fraction"),
        xytext=(LINE_GAP_PT if right_fits else -LINE_GAP_PT, -GAP_PT),
        textcoords="offset points",
        ha="left" if right_fits else "right",
        va="top",
        fontsize=8,
        color=INK,
    )


def roi_comparison(report: ReportData) -> Figure:
    """Return on investment over 36 months of each recommendation, highest first, with its payback."""
    recs = sorted(report.recommendations, key=lambda r: (-r.roi_percent, r.title))
    count = max(len(recs), 1)
    fig = Figure(figsize=(6.6, 0.45 * count + 0.2))
    fig.subplots_adjust(left=0.42, right=0.97, top=1 - 0.1 / fig.get_figheight(), bottom=0.1 / fig.get_figheight())
    ax = fig.add_subplot()
    positions = list(range(len(recs)))[::-1]
    rois = [r.roi_percent for r in recs]
    ax.barh(positions, rois, color=[ACCENT if roi >= 0 else BAD for roi in rois], height=0.6)
    labels = [f"{round(rec.roi_percent)} % · {_payback(rec.payback_months)}" for rec in recs]  # never "-0 %"
    # Each label starts GAP_PT after its bar's end (or the zero line, for a loss); the scale leaves it room.
    left = min([*rois, 0]) * 1.1
    widths = [_text_width(label, 7.5) for label in labels]
    right = max(_end_with_room(left, [max(roi, 0) for roi in rois], widths, _axes_width(fig, ax), GAP_PT), 100.0)
    for y, roi, label in zip(positions, rois, labels, strict=True):
        ax.annotate(
            label,
            (max(roi, 0), y),
            xytext=(GAP_PT, 0),
            textcoords="offset points",
            va="center",
            fontsize=7.5,
            color=INK,
        )
    titles = [textwrap.fill(textwrap.shorten(r.title, 80, placeholder="…"), 40) for r in recs]
    _row_labels(ax, positions, titles, fontsize=7.5)
    ax.set_xlim(left, right)
    ax.set_ylim(-0.6, count - 0.4)
    ax.axvline(0, color=MUTED, linewidth=0.6)
    ax.set_axis_off()
    return fig


def findings_breakdown(report: ReportData) -> Figure:
    """Findings per category, stacked by status: recommended, caution, not recommended."""
    categories = [c for c in CATEGORY_LABELS if any(f.category == c for f in report.findings)]
    fig = Figure(figsize=(6.6, 0.4 * max(len(categories), 1) + 0.55))
    fig.subplots_adjust(left=0.25, right=0.97, top=1 - 0.1 / fig.get_figheight(), bottom=0.4 / fig.get_figheight())
    ax = fig.add_subplot()
    positions = list(range(len(categories)))[::-1]
    left = [0] * len(categories)
    for status, _label, colour in STATUSES:
        counts = [sum(f.category == c and f.status == status for f in report.findings) for c in categories]
        ax.barh(positions, counts, left=left, color=colour, height=0.6)
        for y, start, n in zip(positions, left, counts, strict=True):
            if n:
                ax.text(start + n / 2, y, str(n), ha="center", va="center", fontsize=8, color="white", weight="bold")
        left = [a + b for a, b in zip(left, counts, strict=True)]
    for y, total in zip(positions, left, strict=True):
        ax.text(total + 0.08, y, str(total), va="center", fontsize=8, color=INK)
    _row_labels(ax, positions, [CATEGORY_LABELS[c] for c in categories], fontsize=9)
    ax.set_xlim(0, max([*left, 1]) + 0.5)
    ax.set_ylim(-0.5, max(len(categories), 1) - 0.5)
    _key(fig, 0.05 / fig.get_figheight(), [(label, colour) for _, label, colour in STATUSES])
    ax.set_axis_off()
    return fig


def _key(fig: Figure, y: float, entries: list[tuple[str, str]]) -> None:
    """A one-line colour key centred under the plot, drawn as text: cheaper than a legend.

    Widths are estimated (DejaVu Sans averages about 0.56 em a character at 8 pt), which is close
    enough to centre the line and keep a fixed gap between entries.
    """
    inch = 8 * 0.56 / 72
    widths = [(0.2 + len(label) * inch) / fig.get_figwidth() for label, _ in entries]
    gap = 0.35 / fig.get_figwidth()
    x = 0.5 - (sum(widths) + gap * (len(entries) - 1)) / 2
    for (label, colour), width in zip(entries, widths, strict=True):
        fig.text(x, y, "■", ha="left", va="bottom", fontsize=9, color=colour)
        fig.text(
            x + 0.17 / fig.get_figwidth(), y, label, ha="left", va="bottom", fontsize=8, color=INK, parse_math=False
        )
        x += width + gap


def _row_labels(ax: Axes, positions: list[int], labels: list[str], *, fontsize: float) -> None:
    """Category labels left of the bars, placed by hand: far cheaper than a y axis with its ticks."""
    transform = ax.get_yaxis_transform()  # x in axes fractions, y in data
    for y, label in zip(positions, labels, strict=True):
        ax.text(
            -0.015,
            y,
            label,
            transform=transform,
            ha="right",
            va="center",
            fontsize=fontsize,
            color=INK,
            parse_math=False,
        )


def _end_with_room(start: float, ends: list[float], widths: list[float], axes_width: float, gap_pt: float) -> float:
    """Where an x axis from `start` must end for a label to fit `gap_pt` after each of `ends`.

    `widths` are the labels' widths in inches; `axes_width` is the axis's length in inches.
    """
    gap = gap_pt / 72
    needed = (
        start + (end - start) * axes_width / max(axes_width - gap - width, 0.1)
        for end, width in zip(ends, widths, strict=True)
    )
    return max(needed, default=start)


def _axes_width(fig: Figure, ax: Axes) -> float:
    return fig.get_figwidth() * ax.get_position().width


def _axes_height(fig: Figure, ax: Axes) -> float:
    return fig.get_figheight() * ax.get_position().height


def _payback(months: float | None) -> str:
    return f"{months:.1f}".removesuffix(".0") + " mo" if months is not None else "no payback"


def _text_width(text: str, fontsize: float, *, weight: str = "normal") -> float:
    """One line's advance width in inches in the report's font: the width the PDF prints it at."""
    width, _height, _descent = text_to_path.get_text_width_height_descent(text, _font(fontsize, weight), ismath=False)
    return width / 72


def _line_height(fontsize: float) -> float:
    """A text line's height in inches as matplotlib aligns it: from the top of an "l" to the bottom of a "p"."""
    _width, height, _descent = text_to_path.get_text_width_height_descent("lp", _font(fontsize, "normal"), ismath=False)
    return height / 72


def _font(fontsize: float, weight: str) -> FontProperties:
    return FontProperties(family="DejaVu Sans", size=fontsize, weight=weight)


def _euro_thousands(amount: float, _pos: object = None) -> str:
    return f"€{amount / 1000:,.0f}k" if amount else "€0"


def _to_svg(fig: Figure) -> str:
    """The figure as an `<svg>` element without XML prolog, DOCTYPE, date or metadata, for inlining."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata=dict.fromkeys(("Date", "Creator", "Type", "Format")))
    svg = buf.getvalue()
    return svg[svg.index("<svg") :].strip()


def _svg_rc(*, salt: str) -> dict[RcKeyType, Any]:
    return {
        "svg.fonttype": "none",  # text stays <text>: selectable and searchable in the PDF
        "svg.hashsalt": f"crb-{salt}",  # stable ids, and distinct per chart on one HTML page
        "font.family": "DejaVu Sans",  # the font the report embeds, so the SVG text prints in it
        "axes.unicode_minus": False,
    }


def _plain_axes(ax: Axes) -> None:
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(MUTED)
    ax.tick_params(axis="both", colors=INK, labelsize=9, length=0)
    ax.tick_params(axis="x", colors=MUTED, labelsize=8)
