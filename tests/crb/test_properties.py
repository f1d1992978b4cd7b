"""Properties over random valid answer sets: determinism, ranges, money, payback, tiers, monotonicity, teaser."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from crb.analysis import analyse, teaser
from crb.assessment.economics import payback
from crb.assessment.engine import assess
from crb.quiz import load_quiz, validate_answers
from crb.report import ReportData
from tests.crb.strategies import HOURS, answer_sets

TODAY = dt.date(2026, 11, 20)
TOLERANCE = 3  # euros: the table rounds each of its three periods
FAST = settings(max_examples=40, deadline=None)


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
    assert len(r.recommendations) <= 10
    assert all(math.isfinite(n) for n in numbers(r.model_dump(mode="json")))
    summary = r.value_summary
    assert summary.total_value.low <= summary.total_value.expected <= summary.total_value.high
    assert min(summary.investment, summary.risk_allowance, summary.monthly_running_cost) >= 0
    assert len(r.timeline.points) == 36
    assert all(p.cost >= 0 and p.value_saved >= 0 and p.value_created >= 0 for p in r.timeline.points)


@FAST
@given(answer_sets(), st.sampled_from(["report", "report_call"]))
def test_recommendations_pass_both_pillars_and_rejections_explain_themselves(
    answers: dict[str, Any], tier: str
) -> None:
    r = report(answers, tier)

    recommended = [f.id for f in r.findings if f.recommended]
    assert [rec.id for rec in r.recommendations] == recommended[:10]
    for f in r.findings:
        assert f.recommended == (f.customer_value >= 6 and f.business_health >= 6)
        if f.status == "not_recommended":
            assert f.why_not and f.what_instead
    slots = {"report": 3, "report_call": 4}[tier]
    rejected = [f for f in r.findings if f.status == "not_recommended"]
    assert len(rejected) >= 3  # three opportunities are always worth ruling out
    assert len(rejected) == slots or len(r.findings) - len(rejected) < len(r.findings) - slots


@FAST
@given(answer_sets())
def test_roi_and_payback_follow_from_the_table(answers: dict[str, Any]) -> None:
    r = report(answers, "report_call")

    for rec in r.recommendations:
        short, mid, long = rec.periods
        cost, risk, benefit = rec.total_cost, rec.total_risk, rec.total_benefit
        assert (cost, risk, benefit) == tuple(
            sum(getattr(p, f) for p in rec.periods) for f in ("cost", "risk", "benefit")
        )
        assert rec.roi_percent == round(min(500, 100 * (benefit - cost - risk) / (cost + risk)), 1)
        if rec.payback_months is None:
            assert rec.net_benefit <= TOLERANCE
            continue
        assert rec.net_benefit >= -TOLERANCE
        assert (short.net >= -TOLERANCE) if rec.payback_months <= 6 else (short.net <= TOLERANCE)
        assert (short.net + mid.net >= -TOLERANCE) if rec.payback_months <= 18 else (short.net + mid.net <= TOLERANCE)


@FAST
@given(answer_sets())
def test_payback_is_where_the_cumulative_net_turns(answers: dict[str, Any]) -> None:
    a = assess(validate_answers(load_quiz(), answers, complete=True), "report_call")

    for e in a.selected:
        econ = e.economics
        months = payback(econ.net)
        cumulative = list(itertools.accumulate(econ.net))
        if months is None:
            assert all(c < 0 or n <= 0 for c, n in zip(cumulative, econ.net, strict=True))
            continue
        turn = math.floor(months) + 1 if months < len(cumulative) else len(cumulative)
        assert cumulative[turn - 1] >= -1e-6
        assert turn == 1 or cumulative[turn - 2] < 1e-6
        assert econ.payback_months == (1 if months < 1 else months)


@FAST
@given(answer_sets(), st.sampled_from(HOURS), st.integers(1, 400), st.sampled_from(["report", "report_call"]))
def test_more_manual_hours_never_lower_the_value_saved(
    answers: dict[str, Any], question: str, more: int, tier: str
) -> None:
    before = report(answers, tier)
    after = report({**answers, question: min(5000, answers[question] + more)}, tier)

    assert after.value_summary.value_saved.expected >= before.value_summary.value_saved.expected
    hours_before = {f.id: f.hours_saved_per_week for f in before.findings}
    for f in after.findings:
        assert f.hours_saved_per_week >= hours_before.get(f.id, 0.0)


@FAST
@given(answer_sets())
def test_the_teaser_agrees_with_the_report(answers: dict[str, Any]) -> None:
    clean = validate_answers(load_quiz(), answers, complete=True)
    full, free = report(answers), teaser(clean)

    assert (free.readiness_score, free.band, free.pillars) == (full.readiness_score, full.band, full.pillars)
    assert free.findings == full.findings[:2]
    assert free.locked_titles == tuple(f.title for f in full.findings[2:])
    json.dumps(free.model_dump(mode="json"))
