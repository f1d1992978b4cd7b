"""Answers in, teaser and report data out: one pure, deterministic computation (the date is passed in)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from crb.assessment import assumptions as A
from crb.assessment import plan as P
from crb.assessment import selection
from crb.assessment.findings import HOURS_LABELS, Evaluation, evaluate_all
from crb.assessment.knowledge import KnowledgeBase, knowledge_for
from crb.assessment.ledger import Entry, build
from crb.assessment.methodology import methodology
from crb.assessment.narrative import Numbers, own_words, to_finding
from crb.assessment.pain import PainHit, closest, match_pain
from crb.assessment.profile import HOURS_QUESTIONS, Profile, read_profile
from crb.assessment.readiness import Readiness, readiness
from crb.assessment.verdict import Facts, foundations_only, key_insight, report_pillars, verdict
from crb.assessment.wording import euro
from crb.quiz import Quiz, load_quiz
from crb.report import (
    Choice,
    CompanyProfile,
    Finding,
    Recommendation,
    ReportData,
    RoadmapPhase,
    StrategyCall,
    Teaser,
    ValueSummary,
    ValueTimeline,
    Verdict,
    WeeklyHours,
)


@dataclass(frozen=True)
class Assessment:
    """What both editions and the teaser share: the profile, readiness, every applicable opportunity worked out,
    what the customer's own words point to, and the plan's recommendations (the same for every tier)."""

    quiz: Quiz
    kb: KnowledgeBase
    profile: Profile
    readiness: Readiness
    evaluations: tuple[Evaluation, ...]
    hits: tuple[PainHit, ...]
    recommended: tuple[Evaluation, ...]


@dataclass(frozen=True)
class Worked:
    """The plan worked out for one earliest start month."""

    entries: tuple[Entry, ...]
    recommendations: tuple[Recommendation, ...]
    timeline: ValueTimeline
    summary: ValueSummary


@dataclass(frozen=True)
class Plan:
    verdict: Verdict
    steps: tuple[P.Prerequisite, ...]
    worked: Worked
    customer_value: int
    business_health: int
    assessment: Assessment  # with the recommendations that would not pay back held back

    @property
    def numbers(self) -> Numbers:
        return {r.id: (i, r.title) for i, r in enumerate(self.worked.recommendations, start=1)}


def assess(answers: Mapping[str, object]) -> Assessment:
    """Profile, readiness, every applicable opportunity and the plan's recommendations for one answer set."""
    quiz = load_quiz()
    profile = read_profile(answers, quiz)
    kb = knowledge_for(profile.reader)
    ready = readiness(profile)
    evaluations = evaluate_all(kb, profile, ready)
    hits = match_pain(profile.own_words or "", kb.templates)
    recommended = selection.recommendations(evaluations, hits, profile.team_size)
    return Assessment(quiz, kb, profile, ready, evaluations, hits, recommended)


def work_out(a: Assessment, steps: Sequence[P.Prerequisite], earliest: int) -> Worked:
    """The plan's ledger and everything read from it, with no recommendation starting before `earliest`."""
    entries = build(P.schedule(a.recommended, earliest), a.profile)
    recommendations = tuple(P.to_recommendation(x, a.profile) for x in entries)
    return Worked(
        entries=entries,
        recommendations=recommendations,
        timeline=P.timeline(entries, steps, a.profile),
        summary=P.value_summary(entries, recommendations, steps, a.profile),
    )


def planned(answers: Mapping[str, object]) -> Plan:
    """The plan for one validated answer set, worked out once per process: the teaser and both editions of the
    report for the same answers share it (everything in it is immutable)."""
    return _planned(json.dumps(answers, sort_keys=True))


@lru_cache(maxsize=64)
def _planned(answers: str) -> Plan:
    return make_plan(assess(json.loads(answers)))


def make_plan(a: Assessment) -> Plan:
    """The verdict, decided on the plan with every recommendation as early as its phase allows, then the plan
    as the verdict lets it start. A recommendation that would not pay back within the plan is held back."""
    p = a.profile
    steps = P.prerequisites(p, a.readiness)
    a, early = _paying(a, steps, earliest=1)
    cv, bh = _pillars(a)
    decided = verdict(
        Facts(
            score=a.readiness.score,
            pillars=a.readiness.pillars,
            customer_value=cv,
            business_health=bh,
            recommendations=early.recommendations,
            summary=early.summary,
            timeline=early.timeline,
            budget_ceiling=A.BUDGET_CEILING.get(p.option("monthly_budget")),
        )
    )
    worked = early
    if decided.earliest_start > 1:
        a, worked = _paying(a, steps, decided.earliest_start)
        cv, bh = _pillars(a)
        if not worked.entries:
            decided = foundations_only(decided)
    return Plan(verdict=decided, steps=steps, worked=worked, customer_value=cv, business_health=bh, assessment=a)


def _pillars(a: Assessment) -> tuple[int, int]:
    caution = [(e.customer_value, e.business_health) for e in a.evaluations if e.status == "caution"]
    fallback = caution or [(e.customer_value, e.business_health) for e in a.evaluations]
    return report_pillars([(e.customer_value, e.business_health) for e in a.recommended], fallback)


def _paying(a: Assessment, steps: Sequence[P.Prerequisite], earliest: int) -> tuple[Assessment, Worked]:
    """The plan with every recommendation that would end the plan below zero held back (shown with caution, and
    why), worked out again until every one left pays back; freed places go to the next recommended ones."""
    for _ in range(len(a.evaluations) + 1):
        worked = work_out(a, steps, earliest)
        late = {x.evaluation.template.id: x for x in worked.entries if x.total_net < 0}
        if not late:
            return a, worked
        a = _hold_back(a, late, earliest)
    return a, work_out(a, steps, earliest)


def _hold_back(a: Assessment, late: Mapping[str, Entry], earliest: int) -> Assessment:
    def held(e: Evaluation) -> Evaluation:
        x = late.get(e.template.id)
        if x is None:
            return e
        after = ", after the foundation steps," if x.start > A.PHASE_START[e.phase] else ""
        why = (
            f"It passes both pillars, but started in month {x.start}{after} it would cost"
            f" {euro(x.total_cost + x.total_risk)} against {euro(x.total_benefit)} of benefit by month"
            f" {A.HORIZON_MONTHS.value:.0f}: it does not pay back within this plan."
        )
        return dataclasses.replace(e, status="caution", held_back=why)

    evaluations = tuple(held(e) for e in a.evaluations)
    recommended = selection.recommendations(evaluations, a.hits, a.profile.team_size)
    return dataclasses.replace(a, evaluations=evaluations, recommended=recommended)


def findings(a: Assessment, plan: Plan, tier: str) -> tuple[Finding, ...]:
    """The tier's findings, the plan's recommendations first, each in the phase the plan gives it."""
    phases = {r.id: r.phase for r in plan.worked.recommendations}
    shown = selection.findings(a.evaluations, a.recommended, a.hits, tier)
    return tuple(to_finding(e, a.profile, plan.numbers, phases.get(e.template.id)) for e in shown)


def teaser(answers: Mapping[str, object]) -> Teaser:
    """Score, band, pillars, the verdict and why, the first two findings in full and the titles of the rest."""
    plan = planned(answers)
    a = plan.assessment
    shown = findings(a, plan, A.DEFAULT_TIER)
    return Teaser(
        quiz_version=a.quiz.version,
        readiness_score=a.readiness.score,
        band=a.readiness.band,
        pillars=a.readiness.pillars,
        verdict=plan.verdict,
        findings=shown[: A.TEASER_FULL_FINDINGS],
        locked_titles=tuple(f.title for f in shown[A.TEASER_FULL_FINDINGS :]),
    )


def analyse(
    answers: Mapping[str, object],
    *,
    tier: str,
    tier_name: str,
    today: dt.date,
    call_booking_url: str | None = None,
) -> ReportData:
    """The whole report's data for one answer set and tier."""
    plan = planned(answers)
    a = plan.assessment
    p, worked = a.profile, plan.worked
    shown = findings(a, plan, tier)
    recommendations = worked.recommendations
    sources = [s for f in shown for s in f.source_ids] + [
        s for r in recommendations for o in r.options for s in o.source_ids
    ]
    shown_evaluations = [e for e in a.evaluations if e.template.id in {f.id for f in shown}]
    nearest = closest(p.own_words or "", [e.template for e in shown_evaluations], [f.id for f in shown])
    return ReportData(
        quiz_version=a.quiz.version,
        knowledge_base_version=a.kb.version,
        company_name=p.company_name,
        tier=tier,
        tier_name=tier_name,
        generated_on=today,
        profile=company_profile(a),
        readiness_score=a.readiness.score,
        band=a.readiness.band,
        pillars=a.readiness.pillars,
        customer_value=plan.customer_value,
        business_health=plan.business_health,
        verdict=plan.verdict,
        key_insight=key_insight(recommendations, worked.summary, plan.verdict.earliest_start),
        findings=shown,
        recommendations=recommendations,
        value_summary=worked.summary,
        timeline=worked.timeline,
        roadmap=roadmap(a, plan),
        methodology=methodology(p, a.kb, worked.entries, sources),
        own_words=own_words(p.own_words, a.hits, a.evaluations, [f.id for f in shown], nearest, plan.numbers),
        strategy_call=strategy_call(tier, recommendations, plan.verdict, call_booking_url),
    )


def roadmap(a: Assessment, plan: Plan) -> tuple[RoadmapPhase, RoadmapPhase, RoadmapPhase]:
    return P.roadmap(plan.worked.entries, plan.steps, a.profile)


def strategy_call(
    tier: str, recommendations: Sequence[Recommendation], decided: Verdict, booking_url: str | None
) -> StrategyCall | None:
    """What the edition's strategy call covers, built from this report, and how to book it."""
    minutes = A.CALL_MINUTES.get(tier)
    if minutes is None:
        return None
    top = [f"'{r.title}'" for r in recommendations[:2]]
    agenda = [
        f"Your verdict, {decided.label}, and what it means for your first six months.",
        (
            f"Choosing between the three options for {' and '.join(top)}."
            if top
            else "Which foundation steps to take first, and who takes them."
        ),
        "Your first 90 days: who does what, and how you will know it works.",
        "Your questions on the figures and assumptions in this report.",
    ]
    how = (
        f"Book a time that suits you at {booking_url}; have this report to hand."
        if booking_url
        else "Reply to the email that brought this report and we will send you times within two working days."
    )
    return StrategyCall(minutes=minutes, agenda=tuple(agenda), booking_url=booking_url, how_to_book=how)


def company_profile(a: Assessment) -> CompanyProfile:
    """The answers behind the numbers, with option labels from the quiz."""
    p = a.profile

    def label(qid: str, value: str) -> str:
        options = {o.value: o.label for o in a.quiz.questions[qid].options}
        return options.get(value, value)

    def choices(qid: str) -> tuple[Choice, ...]:
        return tuple(Choice(id=v, label=label(qid, v)) for v in p.choices(qid))

    sensitivity = p.option("data_sensitivity")
    return CompanyProfile(
        industry=label("industry", p.industry),
        industry_id=p.industry or "other",
        team_size=p.team_size,
        revenue_band=label("revenue_band", p.option("revenue_band")),
        hourly_cost=p.hourly_cost,
        hourly_cost_source="your answer" if p.hourly_cost_given else A.DEFAULT_HOURLY_COST.source,
        weekly_hours=tuple(WeeklyHours(id=q, label=HOURS_LABELS[q], hours=p.hours(q)) for q in HOURS_QUESTIONS),
        goals=tuple(label("goals", g) for g in p.choices("goals")),
        monthly_budget=label("monthly_budget", p.option("monthly_budget")),
        timeline=label("timeline", p.option("timeline")),
        own_words=p.own_words,
        tools=choices("tools"),
        data_sensitivity=Choice(id=sensitivity, label=label("data_sensitivity", sensitivity)) if sensitivity else None,
        regulation=choices("regulation"),
    )
