"""Answers in, teaser and report data out: pure code, no I/O, no clock (the date is passed in).

This is the walking skeleton's engine: a readiness score from three pillars and a handful of findings.
The assessment issue replaces it with the full knowledge base, ROI, verdict and roadmap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from crb.quiz import AnswerValue
from crb.report import Category, Finding, PillarScore, ReportData, Teaser

HOURLY_COST_EUR = 50.0  # loaded cost of an hour of staff time, until the quiz asks for it
WEEKS_PER_YEAR = 52
TEASER_FULL_FINDINGS = 2
FINDINGS_PER_TIER = {"report": 10, "report_call": 15}

_EXPERIENCE = {"none": 10, "experimenting": 40, "using": 70, "scaling": 95}
_TOOL_POINTS = {"crm": 30, "accounting": 25, "helpdesk": 25, "spreadsheets": 10}


@dataclass(frozen=True)
class _Opportunity:
    id: str
    title: str
    summary: str
    category: Category
    share_of_admin: float  # the share of weekly admin hours this can save
    customer_value: int
    business_health: int
    needs_tool: str | None = None


_OPPORTUNITIES = (
    _Opportunity(
        "invoice_processing",
        "Invoice and document processing",
        "Extract invoice data automatically instead of typing it into the accounting system.",
        "efficiency",
        0.20,
        5,
        8,
        "accounting",
    ),
    _Opportunity(
        "support_triage",
        "Support ticket triage",
        "Classify and route incoming requests, and draft first replies for review.",
        "customer_experience",
        0.10,
        8,
        7,
        "helpdesk",
    ),
    _Opportunity(
        "meeting_notes",
        "Meeting notes into the CRM",
        "Turn call recordings into notes and follow-up tasks in the CRM.",
        "growth",
        0.08,
        6,
        7,
        "crm",
    ),
    _Opportunity(
        "content_drafting",
        "Proposal and content drafting",
        "Draft proposals and routine content from your own templates.",
        "growth",
        0.10,
        6,
        7,
    ),
    _Opportunity(
        "reporting",
        "Automated weekly reporting",
        "Build the weekly management report from the data you already have.",
        "efficiency",
        0.08,
        4,
        7,
    ),
    _Opportunity(
        "scheduling",
        "Scheduling assistant",
        "Let customers book and reschedule without email ping-pong.",
        "customer_experience",
        0.05,
        7,
        6,
    ),
    _Opportunity(
        "knowledge_search",
        "Internal knowledge search",
        "Answer staff questions from your own documents and procedures.",
        "efficiency",
        0.06,
        5,
        6,
    ),
    _Opportunity(
        "lead_qualification",
        "Lead qualification",
        "Score and enrich inbound leads so sales time goes where it pays.",
        "growth",
        0.05,
        6,
        6,
        "crm",
    ),
    _Opportunity(
        "spreadsheet_cleanup",
        "Spreadsheet consolidation",
        "Bring scattered spreadsheets into one source of truth before automating on top of them.",
        "risk",
        0.05,
        4,
        7,
        "spreadsheets",
    ),
    _Opportunity(
        "data_entry",
        "Form and email data entry",
        "Capture data from emails and forms straight into your systems.",
        "efficiency",
        0.12,
        5,
        7,
    ),
    _Opportunity(
        "chatbot",
        "Fully automated customer chatbot",
        "Replace human answers to customers with a bot.",
        "customer_experience",
        0.05,
        3,
        5,
    ),
    _Opportunity(
        "forecasting", "Demand forecasting", "Forecast demand and stock from sales history.", "growth", 0.04, 5, 6
    ),
    _Opportunity(
        "compliance_monitoring",
        "Compliance monitoring",
        "Check documents and processes against the rules that apply to you.",
        "compliance",
        0.03,
        4,
        6,
    ),
    _Opportunity(
        "custom_model", "A custom AI model of your own", "Train a model on your own data.", "growth", 0.02, 4, 3
    ),
    _Opportunity(
        "email_triage",
        "Shared inbox triage",
        "Sort and prioritise the shared inbox and draft routine answers.",
        "efficiency",
        0.07,
        6,
        6,
    ),
)


def pillar_scores(answers: Mapping[str, AnswerValue]) -> tuple[PillarScore, ...]:
    """Three readiness pillars, 0-100 each, from the answers."""
    experience = _EXPERIENCE.get(str(answers.get("ai_experience", "none")), 10)
    data_quality = _as_number(answers.get("data_quality"), 1)
    tools = answers.get("tools", [])
    tool_points = sum(_TOOL_POINTS.get(t, 0) for t in tools) if isinstance(tools, list) else 0
    return (
        PillarScore(id="talent", name="Talent and experience", score=experience),
        PillarScore(id="data", name="Data", score=round((data_quality - 1) / 4 * 100)),
        PillarScore(id="infrastructure", name="Infrastructure", score=min(100, tool_points)),
    )


def readiness(pillars: tuple[PillarScore, ...]) -> tuple[int, str]:
    """The overall score (mean of the pillars) and its band."""
    score = round(sum(p.score for p in pillars) / len(pillars))
    return score, band(score)


def band(score: int) -> str:
    if score < 40:
        return "Early stage"
    if score < 60:
        return "Developing"
    if score < 80:
        return "Ready"
    return "Leading"


def findings(answers: Mapping[str, AnswerValue], count: int) -> tuple[Finding, ...]:
    """The `count` opportunities that save most, largest first, each with its hours saved."""
    admin_hours = _as_number(answers.get("weekly_admin_hours"), 0)
    tools = answers.get("tools", [])
    ranked = sorted(
        _OPPORTUNITIES,
        key=lambda o: (-(o.share_of_admin * (1.0 if _has_tool(o, tools) else 0.5)), o.id),
    )
    result = []
    for o in ranked[:count]:
        hours = round(admin_hours * o.share_of_admin * (1.0 if _has_tool(o, tools) else 0.5), 1)
        result.append(
            Finding(
                id=o.id,
                title=o.title,
                summary=o.summary,
                category=o.category,
                customer_value=o.customer_value,
                business_health=o.business_health,
                hours_saved_per_week=hours,
                recommended=o.customer_value >= 6 and o.business_health >= 6,
            )
        )
    return tuple(result)


def teaser(answers: Mapping[str, AnswerValue]) -> Teaser:
    pillars = pillar_scores(answers)
    score, score_band = readiness(pillars)
    found = findings(answers, FINDINGS_PER_TIER["report"])
    return Teaser(
        readiness_score=score,
        band=score_band,
        pillars=pillars,
        findings=found[:TEASER_FULL_FINDINGS],
        locked_titles=tuple(f.title for f in found[TEASER_FULL_FINDINGS:]),
    )


def analyse(answers: Mapping[str, AnswerValue], *, tier: str, tier_name: str, today: dt.date) -> ReportData:
    """The whole report's data for one answer set and tier."""
    pillars = pillar_scores(answers)
    score, score_band = readiness(pillars)
    found = findings(answers, FINDINGS_PER_TIER.get(tier, FINDINGS_PER_TIER["report"]))
    hours = sum(f.hours_saved_per_week for f in found if f.recommended)
    return ReportData(
        company_name=str(answers.get("company_name") or "Your company"),
        tier=tier,
        tier_name=tier_name,
        generated_on=today,
        readiness_score=score,
        band=score_band,
        pillars=pillars,
        findings=found,
        value_saved_per_year=round(hours * HOURLY_COST_EUR * WEEKS_PER_YEAR, 2),
        assumptions=(
            f"An hour of staff time costs €{HOURLY_COST_EUR:.0f} fully loaded.",
            f"A year has {WEEKS_PER_YEAR} working weeks.",
            "Value saved counts only recommended findings (both pillars at 6 or above).",
        ),
    )


def _has_tool(o: _Opportunity, tools: object) -> bool:
    return o.needs_tool is None or (isinstance(tools, list) and o.needs_tool in tools)


def _as_number(value: object, default: float) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default
