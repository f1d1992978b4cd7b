"""Answers in, teaser and report data out: one pure, deterministic computation (the date is passed in)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from crb.assessment import assumptions as A
from crb.assessment import plan
from crb.assessment.findings import HOURS_LABELS, Evaluation, evaluate_all, select
from crb.assessment.knowledge import KnowledgeBase, load_knowledge
from crb.assessment.methodology import methodology
from crb.assessment.narrative import to_finding
from crb.assessment.profile import HOURS_QUESTIONS, Profile, read_profile
from crb.assessment.readiness import Readiness, readiness
from crb.assessment.verdict import Facts, key_insight, report_pillars, verdict
from crb.quiz import Quiz, load_quiz
from crb.report import CompanyProfile, Finding, ReportData, Teaser, WeeklyHours


@dataclass(frozen=True)
class Assessment:
    """The shared computation behind the teaser and the report."""

    quiz: Quiz
    kb: KnowledgeBase
    profile: Profile
    readiness: Readiness
    selected: tuple[Evaluation, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(to_finding(e, self.profile) for e in self.selected)

    @property
    def recommended(self) -> tuple[Evaluation, ...]:
        return tuple(e for e in self.selected if e.status == "recommended")[: A.MAX_RECOMMENDATIONS]


def assess(answers: Mapping[str, object], tier: str) -> Assessment:
    """Profile, readiness and the tier's findings for one answer set."""
    quiz, kb = load_quiz(), load_knowledge()
    profile = read_profile(answers, quiz)
    ready = readiness(profile)
    selected = select(evaluate_all(kb, profile, ready), tier)
    return Assessment(quiz=quiz, kb=kb, profile=profile, readiness=ready, selected=selected)


def teaser(answers: Mapping[str, object]) -> Teaser:
    """Score, band, pillars, the verdict and why, the first two findings in full and the titles of the rest."""
    a = assess(answers, A.DEFAULT_TIER)
    findings = a.findings
    return Teaser(
        quiz_version=a.quiz.version,
        readiness_score=a.readiness.score,
        band=a.readiness.band,
        pillars=a.readiness.pillars,
        verdict=analyse(answers, tier=A.DEFAULT_TIER, tier_name="", today=dt.date(2000, 1, 1)).verdict,
        findings=findings[: A.TEASER_FULL_FINDINGS],
        locked_titles=tuple(f.title for f in findings[A.TEASER_FULL_FINDINGS :]),
    )


def analyse(answers: Mapping[str, object], *, tier: str, tier_name: str, today: dt.date) -> ReportData:
    """The whole report's data for one answer set and tier."""
    a = assess(answers, tier)
    p, findings = a.profile, a.findings
    scheduled = plan.schedule(a.recommended)
    steps = plan.prerequisites(p, a.readiness)
    recommendations = tuple(plan.to_recommendation(s, scheduled, p) for s in scheduled)
    line = plan.timeline(scheduled, steps, p)
    summary = plan.value_summary(scheduled, line, steps, p)
    cv, bh = report_pillars(findings)
    facts = Facts(
        score=a.readiness.score,
        pillars=a.readiness.pillars,
        customer_value=cv,
        business_health=bh,
        recommendations=recommendations,
        summary=summary,
        timeline=line,
        budget_ceiling=A.BUDGET_CEILING.get(p.option("monthly_budget")),
    )
    sources = [s for f in findings for s in f.source_ids] + [
        s for r in recommendations for o in r.options for s in o.source_ids
    ]
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
        customer_value=cv,
        business_health=bh,
        verdict=verdict(facts),
        key_insight=key_insight(recommendations, summary),
        findings=findings,
        recommendations=recommendations,
        value_summary=summary,
        timeline=line,
        roadmap=plan.roadmap(scheduled, steps, p),
        methodology=methodology(p, a.kb, a.recommended, sources),
    )


def company_profile(a: Assessment) -> CompanyProfile:
    """The answers behind the numbers, with option labels from the quiz."""
    p = a.profile

    def label(qid: str, value: str) -> str:
        options = {o.value: o.label for o in a.quiz.questions[qid].options}
        return options.get(value, value)

    return CompanyProfile(
        industry=label("industry", p.industry),
        team_size=p.team_size,
        revenue_band=label("revenue_band", p.option("revenue_band")),
        hourly_cost=p.hourly_cost,
        hourly_cost_source="your answer" if p.hourly_cost_given else A.DEFAULT_HOURLY_COST.source,
        weekly_hours=tuple(WeeklyHours(id=q, label=HOURS_LABELS[q], hours=p.hours(q)) for q in HOURS_QUESTIONS),
        goals=tuple(label("goals", g) for g in p.choices("goals")),
        monthly_budget=label("monthly_budget", p.option("monthly_budget")),
        timeline=label("timeline", p.option("timeline")),
        own_words=p.own_words,
    )
