"""Charts: inline SVG with text kept as text, no metadata, and the same bytes every time."""

from __future__ import annotations

import re

from crb.report import ReportData
from renderer.charts import build_charts


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
