"""Properties over random valid answer sets: consistency, determinism, ranges, money, payback, tiers, teaser."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crb.analysis import analyse, contradictions, teaser
from crb.assessment.assumptions import max_recommendations
from crb.assessment.engine import assess, make_plan
from crb.quiz import load_quiz, validate_answers
from crb.quiz.plausibility import implausible
from crb.report import ReportData
from tests.crb.strategies import HOURS, answer_sets

TODAY = dt.date(2026, 11, 20)
FAST = settings(max_examples=40, deadline=None)
THOROUGH = settings(max_examples=2000, deadline=None)


def report(answers: dict[str, Any], tier: str = "report") -> ReportData:
    clean = validate_answers(load_quiz(), answers, complete=True)
    return analyse(clean, tier=tier, tier_name="CRB Report", today=TODAY)


def numbers(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in numbers(v)]
    return [value] if isinstance(value, int | float) and not isinstance(value, bool) else []


@FAST
@given(answer_sets())
def test_same_answers_same_report(answers: dict[str, Any]) -> None:
    first, second = report(answers), report(dict(reversed(list(answers.items()))))

    assert first == second
    assert first.model_dump_json() == second.model_dump_json()


@FAST
@given(answer_sets(), st.sampled_from(["report", "report_call"]))
def test_scores_counts_and_money_stay_in_range(answers: dict[str, Any], tier: str) -> None:
    r = report(answers, tier)

    assert 0 <= r.readiness_score <= 100
    assert all(0 <= p.score <= 100 for p in r.pillars)
    assert 1 <= r.customer_value <= 10 and 1 <= r.business_health <= 10
    assert len(r.findings) == {"report": 10, "report_call": 15}[tier]
    assert len(r.recommendations) <= max_recommendations(r.profile.team_size) <= 7
    assert all(math.isfinite(n) for n in numbers(r.model_dump(mode="json")))
    summary = r.value_summary
    assert summary.total_value.low <= summary.total_value.expected <= summary.total_value.high
    assert min(summary.investment, summary.risk_allowance, summary.monthly_running_cost) >= 0
    assert len(r.timeline.points) == 36
    assert all(p.cost >= 0 and p.value_saved >= 0 and p.value_created >= 0 for p in r.timeline.points)


@THOROUGH
@given(answer_sets())
def test_every_report_holds_together(answers: dict[str, Any]) -> None:
    """The consistency check over 2,000 answer sets: both editions, and the teaser agrees with them."""
    clean = validate_answers(load_quiz(), answers, complete=True)
    base, call = report(answers), report(answers, "report_call")

    assert contradictions(base) == []
    assert contradictions(call) == []
    assert base.verdict == call.verdict == teaser(clean).verdict
    assert base.recommendations == call.recommendations


@FAST
@given(answer_sets(), st.sampled_from(["report", "report_call"]))
def test_recommendations_pass_both_pillars_and_rejections_explain_themselves(
    answers: dict[str, Any], tier: str
) -> None:
    r = report(answers, tier)

    recommended = [f.id for f in r.findings if f.recommended]
    plan = [rec.id for rec in r.recommendations]
    assert recommended[: len(plan)] == plan
    assert len(recommended) == len(plan) or len(plan) == max_recommendations(r.profile.team_size)
    for f in r.findings:
        held_back = f.status == "caution" and "does not pay back within this plan" in (f.why_not or "")
        assert f.recommended == (f.customer_value >= 6 and f.business_health >= 6 and not held_back)
        if f.status == "not_recommended":
            assert f.why_not and f.what_instead
    slots = {"report": 3, "report_call": 4}[tier]
    rejected = [f for f in r.findings if f.status == "not_recommended"]
    assert len(rejected) >= 3  # three opportunities are always worth ruling out
    assert len(rejected) == slots or len(r.findings) - len(rejected) < len(r.findings) - slots


@FAST
@given(answer_sets())
def test_nothing_before_its_start_and_roi_from_the_table(answers: dict[str, Any]) -> None:
    r = report(answers, "report_call")

    for rec in r.recommendations:
        short, mid, long = rec.periods
        cost, risk, benefit = rec.total_cost, rec.total_risk, rec.total_benefit
        assert rec.roi_percent == round(min(500, 100 * (benefit - cost - risk) / (cost + risk)), 1)
        assert rec.start_month >= r.verdict.earliest_start
        if rec.start_month > 6:
            assert (short.cost, short.risk, short.benefit) == (0, 0, 0)
        if rec.start_month > 18:
            assert (mid.cost, mid.risk, mid.benefit) == (0, 0, 0)
        if rec.payback_months is None:
            assert rec.net_benefit < 0
            continue
        turned = rec.start_month - 1 + math.ceil(rec.payback_months)
        assert rec.net_benefit >= 0
        assert short.net >= 0 if turned <= 6 else True
        assert short.net + mid.net >= 0 if turned <= 18 else True


@FAST
@given(answer_sets())
def test_payback_and_break_even_are_where_the_cumulative_net_stays_above_zero(answers: dict[str, Any]) -> None:
    a = assess(validate_answers(load_quiz(), answers, complete=True))
    plan = make_plan(a)

    for x in plan.worked.entries:
        cumulative = list(itertools.accumulate(x.net[x.start - 1 :]))
        if x.payback is None:
            assert cumulative[-1] < 0
            continue
        turn = math.ceil(x.payback)  # months from its start
        assert all(c >= 0 for c in cumulative[max(turn, 1) - 1 :])
        assert turn == 0 or cumulative[turn - 2] < 0 if turn >= 2 else True
    points = plan.worked.timeline.points
    month = plan.worked.timeline.break_even_month
    if month is not None:
        assert all(p.cumulative_net >= 0 for p in points[month - 1 :])
        assert month == 1 or points[month - 2].cumulative_net < 0


@FAST
@given(answer_sets(), st.sampled_from(HOURS), st.integers(1, 400), st.sampled_from(["report", "report_call"]))
def test_more_manual_hours_never_lower_the_hours_saved(
    answers: dict[str, Any], question: str, more: int, tier: str
) -> None:
    after_answers = {**answers, question: min(5000, answers[question] + more)}
    assume(not implausible(after_answers))  # the quiz refuses the rest, and the engine scales it down
    before, after = report(answers, tier), report(after_answers, tier)

    hours_before = {f.id: f.hours_saved_per_week for f in before.findings}
    for f in after.findings:
        assert f.hours_saved_per_week >= hours_before.get(f.id, 0.0)


@FAST
@given(answer_sets())
def test_the_teaser_agrees_with_the_report(answers: dict[str, Any]) -> None:
    clean = validate_answers(load_quiz(), answers, complete=True)
    full, free = report(answers), teaser(clean)

    assert (free.readiness_score, free.band, free.pillars) == (full.readiness_score, full.band, full.pillars)
    assert free.verdict == full.verdict
    assert free.findings == full.findings[:2]
    assert free.locked_titles == tuple(f.title for f in full.findings[2:])
    json.dumps(free.model_dump(mode="json"))
