"""The report HTML, without a browser: content, escaping, inline charts, nothing external."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from crb.report import ReportData
from renderer.charts import build_charts
from renderer.html import eur, long_date, render_html

CHARTS = {"readiness": '<svg id="gauge"><text>43</text></svg>', "pillars": '<svg id="bars"></svg>'}
SVG_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def test_has_the_company_tier_date_and_sections(report: ReportData) -> None:
    html = render_html(report, CHARTS)

    assert "Acme GmbH" in html
    assert "CRB Report" in html
    assert "14 March 2025" in html
    for heading in (
        "Executive summary",
        "Value summary",
        "Findings",
        "Recommendations",
        "Roadmap",
        "Methodology and assumptions",
    ):
        assert f"<h2>{heading}</h2>" in html


def test_has_scores_findings_value_and_assumptions(report: ReportData) -> None:
    html = render_html(report, CHARTS)

    assert f"<strong>{report.readiness_score}</strong>" in html
    assert report.band in html
    assert report.verdict.label in html
    for pillar in report.pillars:
        assert pillar.name in html
    for finding in report.findings:
        assert escape(finding.title) in html
    assert eur(report.value_summary.total_value.low) in html
    assert eur(report.value_summary.total_value.high) in html
    for assumption in report.methodology.assumptions:
        assert escape(assumption.label) in html


def test_has_every_recommendation_with_its_table(report: ReportData) -> None:
    html = render_html(report, CHARTS)

    assert report.recommendations
    for rec in report.recommendations:
        assert escape(rec.title) in html
        for period in rec.periods:
            assert eur(period.benefit) in html
    for finding in report.findings:
        if finding.why_not:
            assert escape(finding.why_not) in html


def test_marks_each_finding_recommended_or_not(report: ReportData) -> None:
    html = render_html(report, CHARTS)

    recommended = sum(f.recommended for f in report.findings)
    assert html.count('<span class="yes">Yes</span>') == recommended
    assert html.count('<span class="no">No</span>') == len(report.findings) - recommended


def test_escapes_the_company_name(report: ReportData) -> None:
    hostile = report.model_copy(update={"company_name": '<script>alert("x")</script> & Sons'})

    html = render_html(hostile, CHARTS)

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sons" in html


def test_inlines_the_chart_svg(report: ReportData) -> None:
    html = render_html(report, CHARTS)

    assert CHARTS["readiness"] in html
    assert CHARTS["pillars"] in html


def test_refers_to_nothing_outside_the_document(report: ReportData) -> None:
    html = render_html(report, build_charts(report))

    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) <= SVG_NAMESPACES
    assert re.search(r"url\((?!#)", html) is None  # only references to ids inside the SVG
    assert re.search(r"\s(src|href)=", html) is None
    assert "@import" not in html
    assert "@font-face" not in html


def test_numbers_every_page_but_the_cover(report: ReportData) -> None:
    html = render_html(report, CHARTS)

    assert '"Page " counter(page) " of " counter(pages)' in html
    assert re.search(r"@page :first \{\s*@bottom-right \{ content: none; \}", html)
    assert "size: A4" in html


def test_is_deterministic(report: ReportData) -> None:
    assert render_html(report, CHARTS) == render_html(report, CHARTS)


@pytest.mark.parametrize(
    ("amount", "text"), [(0, "€0"), (999.5, "€1,000"), (36400.0, "€36,400"), (1234567.89, "€1,234,568")]
)
def test_eur(amount: float, text: str) -> None:
    assert eur(amount) == text


def test_long_date(report: ReportData) -> None:
    assert long_date(report.generated_on) == "14 March 2025"
