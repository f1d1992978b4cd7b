"""The report checked against itself and the customer's answers: every contradiction a careful owner would find.

`contradictions(report)` lists them in words; `check(report)` raises `ReportInconsistent` when there is any. It
runs before every render: a report that fails it is a bug in the engine or the knowledge base, never something
to mail to a customer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from crb.assessment import assumptions as A
from crb.assessment.verdict import biggest
from crb.quiz.plausibility import MAX_HOURS_PER_PERSON
from crb.report import Recommendation, ReportData

SENSITIVE: Final = "special"
# Phrases that assume a tool, by the tool the business must use for them to be true.
TOOL_PHRASES: Final[Mapping[str, tuple[str, ...]]] = {
    "crm": ("your crm", "into the crm", "in the crm"),
    "accounting": ("your accounting",),
    "helpdesk": ("your helpdesk", "inside your helpdesk"),
    "ecommerce": ("your shop platform", "your shop's"),
    "marketing_automation": ("your email tool", "your email marketing tool"),
    "office_suite": ("your office suite",),
    "erp": ("your erp",),
    "document_management": ("your document store",),
    "project_management": ("your project tool",),
    "booking": ("your booking tool", "your booking system"),
    "bi": ("your bi ", "your dashboards"),
}
# Phrases that assume a team, wrong for a business of one.
TEAM_PHRASES: Final = (
    "train everyone",
    "right person",
    "volunteer",
    "your team",
    "the team",
    "each team member",
    "colleague",
    "desk staff",
    "bid team",
    "support team",
)
WORDING: Final = (
    (re.compile(r"(?<![\d.,])1 (hours|months|weeks|days|people|seats|steps)\b"), "a singular with a plural noun"),
    (re.compile(r"\d\.\d{5,}"), "a number with a float's tail of decimals"),
    (re.compile(r"\b[a-z]+_[a-z0-9_]+\b"), "an internal id"),
    (re.compile(r"\bWeeks 0\b|\b0 weeks\b"), "a zero duration"),
)
# Fields that hold ids, codes or the customer's own text, not the report's wording.
NOT_WORDING: Final = frozenset(
    {
        "id", "source_ids", "kind", "chosen_option", "status", "category", "phase", "horizon", "decision", "period",
        "recommendation_id", "tier", "quiz_version", "knowledge_base_version", "industry_id", "url", "booking_url",
        "currency", "confidence", "probability", "company_name", "own_words", "text", "words", "generated_on",
        "schema_version", "tier_name",
    }
)  # fmt: skip


class ReportInconsistent(ValueError):
    """The report contradicts itself or the answers; `problems` says how."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def check(report: ReportData) -> None:
    """Raise ReportInconsistent naming every contradiction, if there is any."""
    if problems := contradictions(report):
        raise ReportInconsistent(problems)


def contradictions(report: ReportData) -> list[str]:
    """Every contradiction in the report, in words (empty when it holds together)."""
    return [
        *_tables(report),
        *_totals(report),
        *_timeline(report),
        *_roadmap(report),
        *_verdict(report),
        *_references(report),
        *_answers(report),
        *_wording(report),
    ]


def _tables(report: ReportData) -> Iterator[str]:
    for n, rec in enumerate(report.recommendations, start=1):
        name = f"recommendation {n} ({rec.id})"
        for field in ("cost", "risk", "benefit"):
            if sum(getattr(p, field) for p in rec.periods) != getattr(rec, f"total_{field}"):
                yield f"{name}: its {field} columns do not add up to its total"
        for p in rec.periods:
            if p.net != p.benefit - p.cost - p.risk:
                yield f"{name}: the {p.period}-term net is not benefit less cost and risk"
        if rec.net_benefit != rec.total_benefit - rec.total_cost - rec.total_risk:
            yield f"{name}: its net total is not benefit less cost and risk"
        outlay = rec.total_cost + rec.total_risk
        roi = A.ROI_CAP.value if outlay <= 0 else 100 * (rec.total_benefit - outlay) / outlay
        if rec.roi_percent != round(min(A.ROI_CAP.value, roi), 1):
            yield f"{name}: its ROI {rec.roi_percent} % does not follow from its table"
        yield from _start(name, rec)
        yield from _payback(name, rec)
        if sum(r.expected_cost for r in rec.risks) != rec.total_risk:
            yield f"{name}: its risks' expected costs do not add up to its risk total"


def _start(name: str, rec: Recommendation) -> Iterator[str]:
    short, mid, _ = rec.periods
    empty = [p for p, last in ((short, 6), (mid, 18)) if rec.start_month > last and (p.cost or p.benefit or p.risk)]
    for p in empty:
        yield f"{name}: it starts in month {rec.start_month} but has figures in the {p.period} term"
    if _phase_of(rec.start_month) != rec.phase:
        yield f"{name}: it starts in month {rec.start_month}, outside its {rec.phase} phase"


def _payback(name: str, rec: Recommendation) -> Iterator[str]:
    short, mid, _ = rec.periods
    if rec.payback_months is None:
        if rec.net_benefit >= 0 and rec.total_cost + rec.total_risk > 0:
            yield f"{name}: no payback is stated, yet its net over the plan is not negative"
        return
    if rec.net_benefit < 0:
        yield f"{name}: a payback is stated, yet its net over the plan is negative"
    turned = rec.start_month - 1 + math.ceil(rec.payback_months)  # from this month on it stays paid back
    for net, last in ((short.net, 6), (short.net + mid.net, 18)):
        if turned <= last and net < 0:
            yield f"{name}: it pays back by month {last}, yet its net to month {last} is negative"


def _totals(report: ReportData) -> Iterator[str]:
    s, recs = report.value_summary, report.recommendations
    if s.value_saved.expected + s.value_created.expected != sum(r.total_benefit for r in recs):
        yield "the value summary's expected value is not the sum of the recommendations' benefits"
    if s.total_value.expected != s.value_saved.expected + s.value_created.expected:
        yield "the total value is not value saved plus value created"
    if s.risk_allowance != sum(r.total_risk for r in recs):
        yield "the risk allowance is not the sum of the recommendations' risks"
    if s.investment != sum(r.total_cost for r in recs) + s.prerequisites_cost:
        yield "the investment is not the recommendations' costs plus the foundation steps"
    if s.net_value != s.total_value.expected - s.investment - s.risk_allowance:
        yield "the expected net value is not value less investment and risk"
    if s.hours_saved_per_week != round(sum(r.hours_saved_per_week for r in recs), 1):
        yield "the hours saved a week are not the sum of the recommendations' hours"
    if s.recommendation_count != len(recs):
        yield "the value summary counts another number of recommendations"
    for estimate, (low, high) in ((s.value_saved, A.SAVED_RANGE), (s.value_created, A.CREATED_RANGE)):
        if (estimate.low, estimate.high) != (round(estimate.expected * low), round(estimate.expected * high)):
            yield "a value range does not follow from its expected value"


def _timeline(report: ReportData) -> Iterator[str]:
    points, s = report.timeline.points, report.value_summary
    if [p.month for p in points] != list(range(1, int(A.HORIZON_MONTHS.value) + 1)):
        yield "the timeline does not run month by month over the horizon"
        return
    if sum(p.value_saved for p in points) != s.value_saved.expected:
        yield "the timeline's value saved does not add up to the value summary's"
    if sum(p.value_created for p in points) != s.value_created.expected:
        yield "the timeline's value created does not add up to the value summary's"
    if sum(p.cost for p in points) != s.investment or sum(p.risk for p in points) != s.risk_allowance:
        yield "the timeline's costs or risks do not add up to the value summary's"
    value = spent = 0
    last_below, anything = 0, False
    for p in points:
        value += p.value_saved + p.value_created
        spent += p.cost + p.risk
        anything = anything or bool(p.value_saved or p.value_created or p.cost or p.risk)
        if (p.cumulative_value, p.cumulative_cost, p.cumulative_net) != (value, spent, value - spent):
            yield f"the timeline's running totals are wrong in month {p.month}"
            return
        if p.cumulative_net < 0:
            last_below = p.month
    expected = None if not anything or last_below == len(points) else last_below + 1
    if report.timeline.break_even_month != expected:
        yield (
            f"the plan is said to break even in month {report.timeline.break_even_month}, but its cumulative net"
            f" stays at or above zero only from month {expected}"
        )


def _roadmap(report: ReportData) -> Iterator[str]:
    items = [(phase, i) for phase in report.roadmap for i in phase.items]
    placed = {i.recommendation_id or "": (phase, i) for phase, i in items if i.kind == "recommendation"}
    if sorted(placed) != sorted(r.id for r in report.recommendations) or len(placed) != len(
        [1 for _, i in items if i.kind == "recommendation"]
    ):
        yield "the roadmap does not hold every recommendation exactly once"
    for rec in report.recommendations:
        if rec.id in placed:
            phase, item = placed[rec.id]
            if item.start_month != rec.start_month or phase.id != rec.phase:
                yield f"the roadmap places '{rec.title}' elsewhere than its recommendation"
    if sum(i.monthly_cost for _, i in items) != report.value_summary.monthly_running_cost:
        yield "the roadmap's monthly costs do not add up to the running cost once everything is live"
    prerequisites = sum(i.one_off_cost for _, i in items if i.kind == "prerequisite")
    if prerequisites != report.value_summary.prerequisites_cost:
        yield "the roadmap's foundation steps do not add up to their cost in the value summary"
    if any(i.implementation_weeks < 1 for _, i in items):
        yield "a roadmap step takes no time"


def _verdict(report: ReportData) -> Iterator[str]:
    v, recs = report.verdict, report.recommendations
    early = [r.title for r in recs if r.start_month < v.earliest_start]
    if early:
        yield f"the verdict '{v.label}' lets nothing start before month {v.earliest_start}, yet {early} do"
    if v.earliest_start > 1 and any(i.kind == "recommendation" for i in report.roadmap[0].items):
        yield f"the verdict '{v.label}' keeps the quick-wins phase for the foundation steps, yet it holds more"
    if v.decision in ("go", "proceed_with_caution") and v.earliest_start != 1:
        yield f"the verdict '{v.label}' should let the quick wins start in month 1"
    if v.decision == "go" and not recs:
        yield "the verdict is Go with nothing to do"
    month = report.timeline.break_even_month
    for reason in v.reasons:
        stated = re.search(r"breaks even in month (\d+)", reason)
        if stated and int(stated.group(1)) != month:
            yield f"the verdict says the plan breaks even in month {stated.group(1)}, the timeline says {month}"
        if "does not break even within" in reason and month is not None and month <= 18 and v.earliest_start == 1:
            yield "the verdict says the plan does not break even in time, but the timeline says it does"
    top = biggest(recs)  # the largest by net; of equal ones, the better return
    if top is not None and f"'{top.title}'" not in report.key_insight:
        yield f"the key insight does not name the largest recommendation, '{top.title}'"


def _references(report: ReportData) -> Iterator[str]:
    numbered = {n: r.title for n, r in enumerate(report.recommendations, start=1)}
    recommended_titles = set(numbered.values())
    shown_titles = {f.title for f in report.findings}
    for f in report.findings:
        for text in (f.what_instead or "", f.why_not or ""):
            for match in re.finditer(r"recommendation (\d+), '", text):
                title = numbered.get(int(match.group(1)), "")
                if not title or not text.startswith(f"{title}'", match.end()):
                    yield f"'{f.title}' points to recommendation {match.group(1)} under another title"
            for title in shown_titles - recommended_titles:
                if f"'{title}'" in text:
                    yield f"'{f.title}' points to '{title}', which is not recommended"
    ids = [f.id for f in report.findings]
    if ids[: len(report.recommendations)] != [r.id for r in report.recommendations]:
        yield "the findings do not list the recommendations first, in their order"
    words = report.own_words
    if words is not None:
        numbers = sorted(m.recommendation for m in words.matched if m.recommendation is not None)
        if numbers != list(range(1, len(numbers) + 1)):
            yield "the recommendations the customer's own words point to do not lead the plan"
        for m in words.matched:
            if m.recommendation is not None and numbered.get(m.recommendation) != m.title:
                yield f"the customer's words point to recommendation {m.recommendation} as '{m.title}'"
            if m.id not in ids and not m.why_not:
                yield f"the customer's words point to '{m.title}', which the report neither shows nor explains"


def _answers(report: ReportData) -> Iterator[str]:
    profile = report.profile
    tools = {t.id for t in profile.tools}
    advice = [(where, text.lower()) for where, text in _advice(report)]
    for tool, phrases in TOOL_PHRASES.items():
        if tool in tools:
            continue
        for where, text in advice:
            hit = next((p for p in phrases if p in text), None)
            if hit:
                yield f"{where} assumes a tool the business does not use ('{hit}')"
    if profile.team_size == 1:
        for where, text in advice:
            hit = next((p for p in TEAM_PHRASES if p in text), None)
            if hit:
                yield f"{where} speaks to a team, for a business of one ('{hit}')"
    sensitive = (profile.data_sensitivity is not None and profile.data_sensitivity.id == SENSITIVE) or bool(
        profile.regulation
    )
    if sensitive:
        for rec in report.recommendations:
            if not rec.personal_data:
                continue
            chosen = next(o for o in rec.options if o.kind == rec.chosen_option)
            if not (chosen.sensitive_data_ok and chosen.data_protection_review):
                yield f"'{rec.title}' handles sensitive personal data with an option not fit for it"
            if not any(r.id == "data_protection" for r in rec.risks):
                yield f"'{rec.title}' handles sensitive personal data without a data-protection risk"
    if sum(h.hours for h in profile.weekly_hours) > profile.team_size * MAX_HOURS_PER_PERSON + 0.5:
        yield "the weekly task hours used are more than the team can work"
    if profile.industry_id != "other" and profile.industry == "Something else":
        yield "the industry is shown as 'Something else' for a business that named one"


def _advice(report: ReportData) -> Iterator[tuple[str, str]]:
    """The report's own advice, where a wrong assumption about the business would show."""
    for rec in report.recommendations:
        where = f"recommendation '{rec.id}'"
        yield where, rec.title
        yield where, rec.why_chosen
        yield from ((where, a) for a in rec.assumptions)
        for o in rec.options:
            yield where, f"{o.name}. {o.examples}"
        for r in rec.risks:
            yield where, f"{r.title}. {r.mitigation}"
    for f in report.findings:
        where = f"finding '{f.id}'"
        yield from ((where, t) for t in (f.title, f.summary, f.rationale, f.why_not or "", f.what_instead or ""))
    for phase in report.roadmap:
        yield from ((f"roadmap step '{i.title}'", f"{i.title}. {i.detail}") for i in phase.items)
    yield "the key insight", report.key_insight
    yield "the verdict", " ".join((report.verdict.summary, report.verdict.plan_rule, *report.verdict.reasons))
    if report.strategy_call is not None:
        yield "the strategy call", " ".join(report.strategy_call.agenda)


def _wording(report: ReportData) -> Iterator[str]:
    seen: set[tuple[str, str]] = set()
    for path, text in _texts(report.model_dump(mode="json"), ""):
        if path.startswith("methodology.sources"):  # citations keep the publisher's own codes
            continue
        for pattern, what in WORDING:
            match = pattern.search(text)
            if match and (what, match.group(0)) not in seen:
                seen.add((what, match.group(0)))
                yield f"{what} in {path}: '{match.group(0)}'"


def _texts(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in NOT_WORDING:
                yield from _texts(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def _phase_of(month: int) -> str:
    return (
        "quick_win"
        if month < A.PHASE_START["foundation"]
        else ("foundation" if month < A.PHASE_START["transformation"] else "transformation")
    )
