"""The report HTML, without a browser: content, escaping, inline charts, nothing external."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from crb.report import ReportData
from renderer.charts import build_charts
from renderer.html import eur, long_date, render_html

CHARTS = {
    "readiness": '<svg id="gauge"><text>43</text></svg>',
    "pillars": '<svg id="bars"></svg>',
    "timeline": '<svg id="timeline"></svg>',
    "roi": '<svg id="roi"></svg>',
    "findings": '<svg id="findings"></svg>',
}
SVG_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
SECTIONS_AFTER = ["not-recommended", "roadmap", "methodology"]  # the anchors after the recommendations'


def test_has_the_company_tier_date_and_sections(report: ReportData) -> None:
    html = render_html(report, CHARTS)

    assert "Acme GmbH" in html
    assert "CRB Report" in html
    assert "14 March 2025" in html
    for heading in (
        "Contents",
        "Executive summary",
        "Value summary",
        "Findings",
        "Recommendations",
        "Not recommended now",
        "Roadmap",
        "Methodology and assumptions",
    ):
        assert f"<h2>{heading}</h2>" in html
        assert f"<li>{heading}" in html or heading == "Contents"  # listed in the table of contents


def test_has_scores_findings_value_and_assumptions(report: ReportData) -> None:
    html = render_html(report, CHARTS)

    assert f"<strong>{report.readiness_score}</strong>" in html
    assert f"Customer Value <strong>{report.customer_value}</strong> / 10" in html
    assert f"Business Health <strong>{report.business_health}</strong> / 10" in html
    assert escape(report.key_insight) in html
    for reason in report.verdict.reasons:
        assert escape(reason) in html
    assert report.band in html
    assert report.verdict.label in html
    for pillar in report.pillars:
        assert pillar.name in html
    for finding in report.findings:
        assert escape(finding.title) in html
    assert eur(report.value_summary.total_value.low) in html
    assert eur(report.value_summary.total_value.high) in html
    for assumption in report.methodology.assumptions:
        assert f"<td>{escape(assumption.label)}</td><td>{escape(assumption.value)}</td>" in html
        assert escape(assumption.source) in html
    for source in report.methodology.sources:
        assert escape(source.title) in html


def test_has_every_recommendation_with_its_table(report: ReportData) -> None:
    html = render_html(report, CHARTS)

    assert report.recommendations
    for rec in report.recommendations:
        assert escape(rec.title) in html
        for period in rec.periods:
            assert eur(period.benefit) in html
        assert f"{rec.roi_percent:.0f} %</strong>" in html
        assert escape(rec.why_chosen) in html
        for option in rec.options:
            assert escape(option.name) in html
            assert f"{option.implementation_weeks}</td>" in html
    assert html.count("(chosen)") == len(report.recommendations)
    for finding in report.findings:
        if finding.why_not:
            assert escape(finding.why_not) in html
            assert escape(finding.what_instead or "") in html
    for phase in report.roadmap:
        assert escape(phase.name) in html
        for item in phase.items:
            assert escape(item.title) in html


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

    for svg in CHARTS.values():
        assert html.count(svg) == 1


def test_inlines_five_real_charts(report: ReportData) -> None:
    html = render_html(report, build_charts(report))

    assert html.count("<svg") == 5


def test_embeds_its_font(report: ReportData) -> None:
    html = render_html(report, CHARTS)

    faces = re.findall(r"@font-face \{[^}]*\}", html)
    assert len(faces) == 2
    assert all('font-family: "DejaVu Sans"' in face and "url(data:font/ttf;base64," in face for face in faces)


def test_refers_to_nothing_outside_the_document(report: ReportData) -> None:
    html = render_html(report, build_charts(report))

    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) <= SVG_NAMESPACES
    assert re.search(r"url\((?!#|data:font/ttf;base64,)", html) is None  # ids inside the SVG, the embedded font
    assert re.search(r"\ssrc=", html) is None
    assert re.search(r'\shref=(?!"#)', html) is None  # links only to places in the document (the contents page's)
    assert "@import" not in html
    assert "file:" not in html


def test_keeps_headings_with_what_follows(report: ReportData) -> None:
    html = render_html(report, CHARTS)

    assert re.search(r"h1, h2, h3, h4 \{[^}]*break-after: avoid", html)
    assert "thead { display: table-header-group; }" in html


def test_numbers_every_page_but_the_cover(report: ReportData) -> None:
    html = render_html(report, CHARTS)

    assert '"Page " counter(page) " of " counter(pages)' in html
    assert re.search(r"@page :first \{\s*@bottom-right \{ content: none; \}", html)
    assert "size: A4" in html


def test_contents_links_every_section_and_recommendation_to_its_heading(report: ReportData) -> None:
    html = render_html(report, build_charts(report))  # real charts: their own ids must not clash

    targets = re.findall(r'<a href="#([^"]+)"', html)
    recommendations = [f"recommendation-{n}" for n in range(1, len(report.recommendations) + 1)]
    assert targets == ["summary", "value", "findings", "recommendations", *recommendations, *SECTIONS_AFTER]
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert all(ids.count(target) == 1 for target in targets)
    for n, rec in enumerate(report.recommendations, start=1):
        assert f'<h3 id="recommendation-{n}">{n}. {escape(rec.title)}</h3>' in html


def test_contents_page_numbers_change_nothing_but_the_numbers(report: ReportData) -> None:
    draft = render_html(report, CHARTS)
    final = render_html(report, CHARTS, {"summary": 3, "recommendations": 8, "recommendation-1": 9})

    assert '<span class="page"></span>' in draft and '<span class="page">3</span>' not in draft
    assert '<span class="page">3</span>' in final and '<span class="page">9</span>' in final
    assert 'aria-label="Executive summary, page 3"' in final
    # The numbers sit in an absolutely positioned link (report.css), so nothing that takes space differs.
    links = re.compile(r'<a href="#[^"]*"[^>]*>.*?</a>')
    assert links.sub("", draft) == links.sub("", final)


def test_is_deterministic(report: ReportData) -> None:
    assert render_html(report, CHARTS) == render_html(report, CHARTS)


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "€0"), (999.5, "€1,000"), (36400.0, "€36,400"), (1234567.89, "€1,234,568"), (-1366, "-€1,366"), (-0.2, "€0")],
)
def test_eur(amount: float, text: str) -> None:
    assert eur(amount) == text


def test_long_date(report: ReportData) -> None:
    assert long_date(report.generated_on) == "14 March 2025"
