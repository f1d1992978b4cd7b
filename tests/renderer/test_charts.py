"""Charts: inline SVG with text kept as text, no metadata, and the same bytes every time."""

from __future__ import annotations

import re

from crb.report import PillarScore, ReportData
from renderer.charts import build_charts


def test_every_chart_is_a_bare_svg_element(report: ReportData) -> None:
    charts = build_charts(report)

    assert set(charts) == {"readiness", "pillars"}
    for svg in charts.values():
        assert svg.startswith("<svg")
        assert svg.endswith("</svg>")
        assert "<?xml" not in svg
        assert "DOCTYPE" not in svg
        assert "<metadata" not in svg
        assert "<image" not in svg


def test_text_stays_text(report: ReportData) -> None:
    charts = build_charts(report)

    labels = re.findall(r"<text[^>]*>([^<]*)</text>", charts["pillars"])
    assert {p.name for p in report.pillars} <= set(labels)
    assert str(report.readiness_score) in re.findall(r"<text[^>]*>([^<]*)</text>", charts["readiness"])


def test_output_is_deterministic(report: ReportData) -> None:
    assert build_charts(report) == build_charts(report)


def test_ids_differ_between_charts(report: ReportData) -> None:
    charts = build_charts(report)

    clip_ids = [set(re.findall(r'<clipPath id="([^"]+)"', svg)) for svg in charts.values()]
    assert not set.intersection(*clip_ids)


def test_pillar_names_are_escaped_and_not_mathtext(report: ReportData) -> None:
    hostile = report.model_copy(update={"pillars": (PillarScore(id="x", name="<b>Costs</b> & $5 or $10", score=50),)})

    svg = build_charts(hostile)["pillars"]

    assert "&lt;b&gt;Costs&lt;/b&gt; &amp; $5 or $10" in svg
    assert "<b>" not in svg
