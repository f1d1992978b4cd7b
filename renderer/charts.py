"""The report's charts: matplotlib Figures (never pyplot) turned into inline, deterministic SVG."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Wedge

from crb.report import ReportData

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

INK = "#1f2a37"
MUTED = "#6b7280"
TRACK = "#e5e7eb"
ACCENT = "#2563eb"

# Band thresholds mirror crb.analysis.band; the colours only decorate the gauge.
BAND_COLOURS = ((40, "#dc2626"), (60, "#f59e0b"), (80, "#2563eb"), (101, "#16a34a"))


def build_charts(report: ReportData) -> dict[str, str]:
    """Every chart of the report as inline SVG markup, keyed by the name the template uses.

    Not thread-safe: `matplotlib.rc_context` changes process-wide rcParams, so call it from
    one thread at a time (the renderer app runs it on a single worker thread).
    """
    builders: dict[str, Callable[[ReportData], Figure]] = {
        "readiness": readiness_gauge,
        "pillars": pillar_bars,
    }
    charts = {}
    for name, build in builders.items():
        with matplotlib.rc_context(_svg_rc(salt=name)):
            charts[name] = _to_svg(build(report))
    return charts


def pillar_bars(report: ReportData) -> Figure:
    """Horizontal bars, one per readiness pillar, on a fixed 0-100 scale."""
    names = [p.name for p in report.pillars]
    scores = [p.score for p in report.pillars]
    fig = Figure(figsize=(6.4, 0.55 * len(names) + 0.8))
    fig.subplots_adjust(left=0.3, right=0.95, top=0.95, bottom=0.8 / fig.get_figheight())
    ax = fig.add_subplot()
    positions = list(range(len(names)))[::-1]
    ax.barh(positions, [100] * len(names), color=TRACK, height=0.6)
    ax.barh(positions, scores, color=ACCENT, height=0.6)
    for y, score in zip(positions, scores, strict=True):
        ax.text(min(score + 2, 92), y, str(score), va="center", color=INK, fontsize=9)
    # Pillar names come from the request: parse_math=False keeps "$" literal instead of mathtext.
    ax.set_yticks(positions, labels=names, parse_math=False)
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 25, 50, 75, 100])
    _plain_axes(ax)
    return fig


def readiness_gauge(report: ReportData) -> Figure:
    """A half-ring gauge filled to the readiness score, with the score and band in the middle."""
    score = report.readiness_score
    fig = Figure(figsize=(4.0, 2.3))
    fig.subplots_adjust(left=0.02, right=0.98, top=0.98, bottom=0.02)
    ax = fig.add_subplot()
    ax.add_patch(Wedge((0, 0), 1.0, 0, 180, width=0.28, color=TRACK))
    ax.add_patch(Wedge((0, 0), 1.0, 180 - 1.8 * score, 180, width=0.28, color=_band_colour(score)))
    ax.text(0, 0.12, str(score), ha="center", va="bottom", fontsize=30, color=INK, weight="bold")
    ax.text(0, -0.02, report.band, ha="center", va="top", fontsize=11, color=MUTED, parse_math=False)
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(-0.2, 1.05)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return fig


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
    }


def _band_colour(score: int) -> str:
    return next(colour for limit, colour in BAND_COLOURS if score < limit)


def _plain_axes(ax: Axes) -> None:
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(MUTED)
    ax.tick_params(axis="both", colors=INK, labelsize=9, length=0)
    ax.tick_params(axis="x", colors=MUTED)
