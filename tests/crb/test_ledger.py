"""The plan's ledger: whole euros that add up, nothing before a start, shared products paid once, and paybacks
and break-evens that a later dip cannot hide."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from crb.assessment import ledger
from crb.assessment.engine import Assessment, assess
from crb.assessment.findings import Evaluation
from crb.quiz import load_quiz, validate_answers

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "answers"


def assessed(name: str) -> Assessment:
    answers = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return assess(validate_answers(load_quiz(), answers, complete=True))


def evaluation(a: Assessment, template: str) -> Evaluation:
    return next(e for e in a.evaluations if e.template.id == template)


@pytest.mark.parametrize(
    "values",
    [[0.4] * 10, [0.5, 0.5, 0.5, 0.5], [1 / 3] * 36, [123.456, 0.0, 99.5, 0.49, 7.77], [2.5, -1.25, 3.75]],
)
def test_whole_euros_keep_every_running_total_rounded(values: list[float]) -> None:
    months = ledger.whole_euros(values)

    assert all(isinstance(m, int) for m in months)
    for n in range(1, len(values) + 1):
        assert sum(months[:n]) == math.floor(sum(values[:n]) + 0.5)


@pytest.mark.parametrize(
    ("net", "months"),
    [
        ([5, 5, 5], 0.0),  # never below zero
        ([-10, 5, 10], 2.5),  # turns half-way through month 3
        ([-10, 20, -30, 40], 3.5),  # paid back in month 2, below again in month 3: the last turn counts
        ([-10, 5, 5], 3.0),  # exactly zero after month 3 counts as paid back
        ([-10, 5, 4], None),  # ends below zero
    ],
)
def test_payback_counts_the_last_turn(net: list[float], months: float | None) -> None:
    assert ledger.payback(net) == months


@pytest.mark.parametrize(
    ("net", "month"),
    [
        ([-100, 20, 20, 20, 20, 30, -20, 40], 8),  # "breaks even in month 6" while month 7 dips below again
        ([-100, 50, 50, 10], 3),  # at zero after month 3: it stays at or above zero from month 3 on
        ([10, 10, 10], 1),
        ([0, 0, 0], None),  # nothing happens
        ([-10, 5, 4], None),  # ends below zero
    ],
)
def test_break_even_is_the_first_month_after_which_the_net_stays_at_or_above_zero(
    net: list[int], month: int | None
) -> None:
    assert ledger.break_even(net) == month


@pytest.mark.parametrize(
    ("values", "expected"),
    [([1.5, 1.5, 1.0], [2, 1, 1]), ([0.3, 0.3, 0.4], [0, 0, 1]), ([10.0, 20.0], [10, 20]), ([], [])],
)
def test_apportion_adds_up_to_the_rounded_sum(values: list[float], expected: list[int]) -> None:
    assert ledger.apportion(values) == expected


def test_an_item_started_later_has_nothing_before_its_start_and_counts_from_it() -> None:
    a = assessed("marketing-agency")
    early, late = evaluation(a, "general_assistant"), evaluation(a, "proposal_drafting")

    first, second = ledger.build([(early, 1), (late, 7)], a.profile)

    for series in (second.one_off, second.running, second.risk, second.benefit):
        assert series[:6] == (0,) * 6
    assert second.one_off[6] > 0 and second.benefit[6] >= 0 and second.running[6] > 0
    alone = ledger.build([(late, 7)], a.profile)[0]
    assert alone.payback == ledger.payback(alone.net[6:])  # counted from its own start month


def test_a_product_two_items_use_is_paid_once_and_shared_from_when_both_run() -> None:
    a = assessed("marketing-agency")
    early, late = evaluation(a, "general_assistant"), evaluation(a, "proposal_drafting")
    products = [{line.product.name for line in e.chosen_cost.lines} for e in (early, late)]
    shared = products[0] & products[1]
    assert shared, "the example must share a product for this test to mean anything"

    together = ledger.build([(early, 1), (late, 7)], a.profile)
    apart = [ledger.build([(e, 1)], a.profile)[0] for e in (early, late)]

    # Before the second starts the first pays what it pays alone; once both run, less than the two alone.
    assert together[0].running[:6] == apart[0].running[:6]
    both = sum(x.running[-1] for x in together)
    assert both < sum(x.running[-1] for x in apart)
    sharing = next(s for s in together[1].sharing if s.product in shared)
    assert sharing.others == (early.template.title,)
    shares = [s.share for x in together for s in x.sharing if s.product == sharing.product]
    assert sum(shares) == pytest.approx(sharing.whole)


def test_an_entry_adds_up_in_whole_euros() -> None:
    a = assessed("ecommerce-shop")
    plan = [(e, 1) for e in a.recommended]

    for x in ledger.build(plan, a.profile):
        assert x.total_net == sum(x.net)
        assert x.total_cost == sum(x.one_off) + sum(x.running)
        assert x.total_risk == sum(round(r.expected) for r in x.evaluation.risks)
