"""Charts: inline SVG with text kept as text, no metadata, the same bytes every time, and labels clear of lines."""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.transforms import BboxBase

from crb.report import ReportData
from renderer.charts import build_charts, pillar_bars, roi_comparison, value_timeline


def test_every_chart_is_a_bare_svg_element(report: ReportData) -> None:
    charts = build_charts(report)

    assert set(charts) == {"readiness", "pillars", "timeline", "roi", "findings"}
    for svg in charts.values():
        assert svg.startswith("<svg")
        assert svg.endswith("</svg>")
        assert "<?xml" not in svg
        assert "DOCTYPE" not in svg
        assert "<metadata" not in svg
        assert "<image" not in svg


def test_text_stays_text(report: ReportData) -> None:
    charts = build_charts(report)

    def texts(name: str) -> set[str]:
        return {" ".join(t.split()) for t in re.findall(r"<text[^>]*>([^<]*)</text>", charts[name])}

    assert {"Customer Value", "Business Health", f"{report.customer_value} / 10"} <= texts("pillars")
    assert {str(report.readiness_score), report.band} <= texts("readiness")
    assert {"Recommended", "Not recommended", "Growth"} <= texts("findings")
    assert f"Break-even: month {report.timeline.break_even_month}" in texts("timeline")
    assert {f"{r.roi_percent:.0f} %" for r in report.recommendations} <= {t.split(" · ")[0] for t in texts("roi")}


def test_output_is_deterministic(report: ReportData) -> None:
    assert build_charts(report) == build_charts(report)


def test_ids_differ_between_charts(report: ReportData) -> None:
    charts = build_charts(report)

    clip_ids = [set(re.findall(r'<clipPath id="([^"]+)"', svg)) for svg in charts.values()]
    assert not set.intersection(*clip_ids)


def test_titles_are_escaped_and_not_mathtext(report: ReportData) -> None:
    rec = report.recommendations[0].model_copy(update={"title": "<b>Costs</b> & $5 or $10"})
    hostile = report.model_copy(update={"recommendations": (rec,), "band": "<i>$x$</i>"})

    charts = build_charts(hostile)

    assert "&lt;b&gt;Costs&lt;/b&gt; &amp; $5 or $10" in charts["roi"]
    assert "&lt;i&gt;$x$&lt;/i&gt;" in charts["readiness"]
    assert "<b>" not in charts["roi"]


def test_charts_are_vector_with_text(report: ReportData) -> None:
    for svg in build_charts(report).values():
        assert "<image" not in svg
        assert "<text" in svg
        assert "<path" in svg


def test_copes_with_no_recommendations_and_no_break_even(report: ReportData) -> None:
    timeline = report.timeline.model_copy(update={"break_even_month": None})
    bare = report.model_copy(update={"recommendations": (), "timeline": timeline, "findings": ()})

    charts = build_charts(bare)

    assert "Break-even" not in charts["timeline"]
    assert all(svg.startswith("<svg") for svg in charts.values())


# Label placement, measured on the drawn figure (Agg's text extents run a little wider than the glyphs' advance
# widths the charts place by, so this errs on the side of the line): labels keep clear of lines, curves and bars.
CLEAR_PT = 2.0
LINE_CLEAR_PT = 5.0  # from a dashed line, which reads as touching sooner


def drawn(fig: Figure) -> Figure:
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig


def clear(fig: Figure) -> float:
    """CLEAR_PT in display pixels."""
    return CLEAR_PT * fig.dpi / 72


def texts(fig: Figure, ax: Axes, containing: str) -> list[Text]:
    found = [t for t in [*fig.texts, *ax.texts] if containing in t.get_text()]
    assert found, containing
    return found


def apart(a: BboxBase, b: BboxBase, gap: float) -> bool:
    """Whether two boxes are at least `gap` apart, across or up and down."""
    return a.x1 + gap <= b.x0 or b.x1 + gap <= a.x0 or a.y1 + gap <= b.y0 or b.y1 + gap <= a.y0


def threshold_line(ax: Axes) -> tuple[float, float]:
    """The pillar chart's dashed line at 6, in display pixels: its x and its lower end."""
    segments: list[npt.NDArray[np.float64]] = []
    for collection in ax.collections:
        assert isinstance(collection, LineCollection), collection  # drawn by vlines
        segments += [ax.transData.transform(segment) for segment in collection.get_segments()]
    segments += [line.get_transform().transform(line.get_xydata()) for line in ax.lines]
    (segment,) = segments
    return segment[0][0], min(segment[:, 1])


@pytest.mark.parametrize(("customer_value", "business_health"), [(s, 11 - s) for s in range(1, 11)])
def test_pillar_score_labels_keep_clear_of_the_threshold_line(
    report: ReportData, customer_value: int, business_health: int
) -> None:
    fig = drawn(
        pillar_bars(report.model_copy(update={"customer_value": customer_value, "business_health": business_health}))
    )
    ax = fig.axes[0]
    line_x, _bottom = threshold_line(ax)
    gap = clear(fig)
    line_gap = LINE_CLEAR_PT * fig.dpi / 72
    bars = [p.get_window_extent() for p in ax.patches[2:]]  # after the two grey tracks

    labels = texts(fig, ax, " / 10")

    assert [t.get_text() for t in labels] == [f"{customer_value} / 10", f"{business_health} / 10"]
    for label, bar in zip(labels, bars, strict=True):
        box = label.get_window_extent()
        assert box.x1 + line_gap <= line_x or box.x0 - line_gap >= line_x, (label.get_text(), box, line_x)
        if label.get_color() == "white":  # inside its bar, clear of both ends
            assert bar.x0 + gap <= box.x0 and box.x1 + gap <= bar.x1, (label.get_text(), box, bar)
        else:  # after its bar, on the grey track
            assert box.x0 >= bar.x1 + gap


def test_pillar_caption_sits_below_the_threshold_line_and_the_bars(report: ReportData) -> None:
    fig = drawn(pillar_bars(report))
    ax = fig.axes[0]
    line_x, bottom = threshold_line(ax)
    (caption,) = texts(fig, ax, "the bar for a recommendation")
    box = caption.get_window_extent()

    assert box.y1 + LINE_CLEAR_PT * fig.dpi / 72 <= bottom
    assert box.x0 < line_x < box.x1  # centred under the line it explains
    assert all(box.y1 + clear(fig) <= bar.get_window_extent().y0 for bar in ax.patches)
    assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1)


@pytest.mark.parametrize("month", [1, 2, 6, 12, 24, 30, 33, 36])
def test_break_even_label_keeps_clear_of_its_line_and_the_curves(report: ReportData, month: int) -> None:
    timeline = report.timeline.model_copy(update={"break_even_month": month})
    fig = drawn(value_timeline(report.model_copy(update={"timeline": timeline})))
    ax = fig.axes[0]
    gap = clear(fig)
    (label,) = texts(fig, ax, "Break-even")
    box = label.get_window_extent()
    dashed, *curves = sorted(ax.lines, key=lambda line: line.get_linewidth())
    line_x = ax.transData.transform((month, 0))[0]

    assert np.asarray(dashed.get_xdata())[0] == month
    line_gap = LINE_CLEAR_PT * fig.dpi / 72
    assert box.x1 + line_gap <= line_x or box.x0 - line_gap >= line_x
    for curve in curves:  # the expected value and the investment, 2 pt wide
        path = Path(ax.transData.transform(curve.get_xydata()))
        assert not path.intersects_bbox(box.padded(gap + curve.get_linewidth() * fig.dpi / 72 / 2), filled=False)
    (band,) = ax.patches
    assert not band.get_path().transformed(band.get_transform()).intersects_bbox(box.padded(gap), filled=True)
    assert ax.bbox.contains(box.x0, box.y0) and ax.bbox.contains(box.x1, box.y1)


def roi_cases(report: ReportData) -> list[ReportData]:
    recs = report.recommendations
    loss = recs[0].model_copy(update={"roi_percent": -60.0, "payback_months": None})
    long = recs[1].model_copy(update={"title": "A very long recommendation title " * 4, "roi_percent": 500.0})
    many = tuple(rec.model_copy(update={"roi_percent": 500.0 - 37 * i}) for i, rec in enumerate(recs * 2))[:10]
    return [
        report,
        report.model_copy(update={"recommendations": (loss, *recs[1:])}),
        report.model_copy(update={"recommendations": (long, *recs[1:])}),
        report.model_copy(update={"recommendations": many}),
        report.model_copy(update={"recommendations": (loss,)}),
    ]


@pytest.mark.parametrize("case", range(5), ids=["as-is", "a-loss", "long-title", "ten", "only-a-loss"])
def test_roi_labels_overlap_nothing(report: ReportData, case: int) -> None:
    fig = drawn(roi_comparison(roi_cases(report)[case]))
    ax = fig.axes[0]
    gap = clear(fig)
    values = texts(fig, ax, " % · ")
    boxes = [t.get_window_extent() for t in ax.texts]
    bars = [p.get_window_extent() for p in ax.patches]
    zero = ax.transData.transform((0, 0))[0]

    assert len(values) == len(bars)
    inside = fig.bbox.padded(-gap)
    for i, a in enumerate(boxes):
        assert inside.contains(a.x0, a.y0) and inside.contains(a.x1, a.y1), a
        assert all(not a.overlaps(b) for b in boxes[i + 1 :])
    for value in values:
        box = value.get_window_extent()
        assert all(apart(box, bar, gap) for bar in bars)
        assert box.x0 >= zero + gap
