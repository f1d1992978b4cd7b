"""The plan: timeline, value summary, shared costs counted once, roadmap steps, and the methodology's contents."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from crb.analysis import analyse
from crb.assessment.profile import read_profile
from crb.report import ReportData
from tests.journey import ANSWERS

TODAY = dt.date(2026, 11, 20)


def report(**changes: Any) -> ReportData:
    return analyse({**ANSWERS, **changes}, tier="report", tier_name="CRB Report", today=TODAY)


def test_the_timeline_adds_up_and_breaks_even_where_the_net_turns() -> None:
    r = report()
    points = r.timeline.points

    assert [p.month for p in points] == list(range(1, 37))
    values = itertools.accumulate(p.value_saved + p.value_created for p in points)
    assert all(abs(p.cumulative_value - v) <= p.month for p, v in zip(points, values, strict=True))
    month = r.timeline.break_even_month
    assert month is not None
    assert points[month - 1].cumulative_net >= -1
    assert all(p.cumulative_net < 1 for p in points[: month - 1])


def test_the_value_summary_is_the_timeline_with_its_ranges() -> None:
    r = report()
    s = r.value_summary

    assert s.value_saved.expected == sum(p.value_saved for p in r.timeline.points)
    assert s.value_saved.low == round(s.value_saved.expected * 0.8)
    assert s.value_saved.high == round(s.value_saved.expected * 1.2)
    assert s.investment == sum(p.cost for p in r.timeline.points)
    assert s.net_value == s.total_value.expected - s.investment - s.risk_allowance
    assert s.hours_saved_per_week == pytest.approx(sum(rec.hours_saved_per_week for rec in r.recommendations), abs=0.2)


def test_a_product_shared_by_recommendations_is_paid_for_once() -> None:
    r = report()
    users = [rec for rec in r.recommendations if "ChatGPT Business" in _chosen(rec).price_basis]

    assert len(users) >= 2  # the assistant, proposals and content all use the same seats
    assert all(any("pays for it once" in a and "its share" in a for a in rec.assumptions) for rec in users)
    separately = sum((_chosen(rec).monthly_cost.low + _chosen(rec).monthly_cost.high) / 2 for rec in r.recommendations)
    assert r.value_summary.monthly_running_cost < separately
    # each table carries its share, so the recommendations' costs add up to the plan's investment
    assert sum(rec.total_cost for rec in r.recommendations) + r.value_summary.prerequisites_cost == (
        r.value_summary.investment
    )


def _chosen(rec: Any) -> Any:
    return next(o for o in rec.options if o.kind == rec.chosen_option)


@pytest.mark.parametrize(
    ("changes", "steps"),
    [
        ({}, {"Write a one-page AI usage policy"}),
        ({"ai_policy": "written"}, set()),
        (
            {"ai_strategy": "none", "monthly_budget": "under_250", "timeline": "exploring"},
            {"Write a one-page AI usage policy", "Name an owner for AI and agree a budget"},
        ),
        (
            {"data_quality": 1, "data_location": "paper_and_email", "ai_policy": "written"},
            {"Clean up and connect your core customer and order data"},
        ),
        (
            {"ai_experience": "none", "tech_comfort": 1, "ai_policy": "written"},
            {"Run a two-hour AI basics session for the team"},
        ),
    ],
)
def test_weak_pillars_put_foundation_steps_first(changes: dict[str, Any], steps: set[str]) -> None:
    quick_wins = report(**changes).roadmap[0]

    assert {i.title for i in quick_wins.items if i.kind == "prerequisite"} == steps
    assert all(i.start_month == 1 for i in quick_wins.items)


def test_the_roadmap_holds_every_recommendation_once_in_its_phase() -> None:
    r = report()

    items = [i for phase in r.roadmap for i in phase.items if i.kind == "recommendation"]
    assert sorted(i.recommendation_id or "" for i in items) == sorted(rec.id for rec in r.recommendations)
    for phase in r.roadmap:
        assert all(
            r_.phase == phase.id for r_ in r.recommendations if r_.id in {i.recommendation_id for i in phase.items}
        )
    assert [p.months for p in r.roadmap] == ["1-6", "7-18", "19-36"]


def test_the_methodology_names_the_hourly_cost_and_where_it_came_from() -> None:
    given = {a.id: a for a in report().methodology.assumptions}
    default = {a.id: a for a in report(hourly_cost=None).methodology.assumptions}

    assert (given["hourly_cost"].value, given["hourly_cost"].source) == ("€45.00", "Your answer")
    assert default["hourly_cost"].value == "€37.30"
    assert "Eurostat" in default["hourly_cost"].source
    assert {"eur_per_usd", "day_rate", "working_weeks", "confidence_discount", "pillar_culture"} <= set(given)


def test_capped_results_are_listed_in_the_methodology() -> None:
    r = report(hours_admin=200, team_size=6, monthly_budget="250_1000")

    capped = [rec for rec in r.recommendations if rec.adjustments]
    assert capped
    for rec in capped:
        assert rec.roi_percent <= 500
        assert all(note in r.methodology.adjustments for note in rec.adjustments)


def test_hours_beyond_the_team_are_scaled_down_and_said_so() -> None:
    r = report(team_size=1, hours_content=100)  # 128 hours for one person, stored before the quiz refused it

    assert any("more than a team of 1 can work" in n for n in r.methodology.adjustments)
    assert sum(h.hours for h in r.profile.weekly_hours) == pytest.approx(50, abs=0.3)


def test_an_incomplete_or_outdated_answer_set_is_read_leniently() -> None:
    profile = read_profile({"company_name": "Old GmbH", "weekly_admin_hours": 40, "team_size": "six", "industry": "x"})

    assert profile.company_name == "Old GmbH"
    assert profile.team_size == 1 and profile.industry == "other"
    assert "team_size" not in profile.answered and "weekly_admin_hours" not in profile.answers
    assert len(analyse({}, tier="report", tier_name="CRB Report", today=TODAY).findings) == 10
