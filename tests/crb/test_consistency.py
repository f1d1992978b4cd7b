"""The consistency check, one row per defect a paying owner found in the report: each is put back into a report
that holds together, and the check must name it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crb.analysis import ReportInconsistent, check, contradictions
from crb.report import ReportData

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "reports"
Data = dict[str, Any]


def example(name: str) -> Data:
    data: Data = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def recommended_first(d: Data) -> Data:
    return d["recommendations"][0]  # type: ignore[no-any-return]


def _early_under_wait(d: Data) -> None:
    d["verdict"].update(decision="not_now", label="Not now", earliest_start=7)


def _costed_before_start(d: Data) -> None:
    rec = next(r for r in d["recommendations"] if r["start_month"] == 1)
    rec["start_month"] = 7
    rec["phase"] = "foundation"


def _benefits_above_headline(d: Data) -> None:
    d["value_summary"]["value_saved"]["expected"] += 14_219  # €215,457 summed vs €201,238 shown


def _risks_above_allowance(d: Data) -> None:
    d["value_summary"]["risk_allowance"] -= 1


def _hours_apart(d: Data) -> None:
    d["value_summary"]["hours_saved_per_week"] += 0.4


def _roi_off_by_one(d: Data) -> None:
    recommended_first(d)["roi_percent"] -= 1  # 326 % in the text vs 327 % in the table


def _break_even_before_the_dip(d: Data) -> None:
    points = d["timeline"]["points"]
    first = next(p["month"] for p in points if p["cumulative_net"] >= 0)
    last_below = max((p["month"] for p in points if p["cumulative_net"] < 0), default=0)
    d["timeline"]["break_even_month"] = first if first != last_below + 1 else first + 1


def _points_to_a_rejected_item(d: Data) -> None:
    rejected = next(f for f in d["findings"] if f["status"] == "not_recommended")
    other = next(f for f in d["findings"] if f["status"] != "recommended" and f is not rejected)
    rejected["what_instead"] = f"See '{other['title']}'."


def _points_to_a_wrong_number(d: Data) -> None:
    rejected = next(f for f in d["findings"] if f["status"] == "not_recommended")
    rejected["what_instead"] = f"See recommendation 1, '{d['recommendations'][1]['title']}'."


def _tool_not_used(d: Data) -> None:
    d["profile"]["tools"] = [t for t in d["profile"]["tools"] if t["id"] != "accounting"]
    recommended_first(d)["assumptions"].append("Uses the capture built into your accounting software.")


def _helpdesk_not_used(d: Data) -> None:
    d["profile"]["tools"] = [t for t in d["profile"]["tools"] if t["id"] != "helpdesk"]
    next(p for p in d["roadmap"] if p["items"])["items"][0]["detail"] += " Set it up inside your helpdesk."


def _crm_not_used(d: Data) -> None:
    d["profile"]["tools"] = [t for t in d["profile"]["tools"] if t["id"] != "crm"]
    d["key_insight"] += " Log every lead in your CRM."


def _sensitive_data_with_an_unfit_option(d: Data) -> None:
    rec = next(r for r in d["recommendations"] if r["personal_data"])
    for option in rec["options"]:
        option["sensitive_data_ok"] = False


def _sensitive_data_without_its_risk(d: Data) -> None:
    rec = next(r for r in d["recommendations"] if r["personal_data"])
    rec["risks"] = [r for r in rec["risks"] if r["id"] != "data_protection"]
    rec["total_risk"] = sum(r["expected_cost"] for r in rec["risks"])


def _team_words(phrase: str) -> Callable[[Data], None]:
    def put_back(d: Data) -> None:
        recommended_first(d)["why_chosen"] += f" Then {phrase} on it."

    return put_back


def _two_hundred_hours(d: Data) -> None:
    for h in d["profile"]["weekly_hours"]:
        h["hours"] = 40.0


def _plural_with_one(d: Data) -> None:
    recommended_first(d)["assumptions"].append("It takes 1 hours a week.")


def _float_tail(d: Data) -> None:
    d["methodology"]["overview"].append("A month is 4.33333 weeks.")


def _internal_id(d: Data) -> None:
    d["methodology"]["overview"].append("Revenue band under_250k.")


def _zero_weeks(d: Data) -> None:
    d["key_insight"] += " Weeks 0."


def _something_else(d: Data) -> None:
    d["profile"]["industry"] = "Something else"


def _weaker_key_insight(d: Data) -> None:
    top = max(d["recommendations"], key=lambda r: r["net_benefit"])
    d["key_insight"] = d["key_insight"].replace(f"'{top['title']}'", "'something smaller'")


def _roadmap_elsewhere(d: Data) -> None:
    for phase in d["roadmap"]:
        for item in phase["items"]:
            if item["kind"] == "recommendation":
                item["start_month"] += 1
                return


def _quick_win_phase_under_wait(d: Data) -> None:
    rec = next(r for r in d["roadmap"] if r["items"] and r["id"] != "quick_win")
    item = next(i for i in rec["items"] if i["kind"] == "recommendation")
    rec["items"].remove(item)
    d["roadmap"][0]["items"].append(item)


# (defect as the issue names it, example it is put into, how, what the check must say)
DEFECTS: list[tuple[str, str, Callable[[Data], None], str]] = [
    ("a 'not now' verdict with month-1 items", "ecommerce-shop", _early_under_wait, "lets nothing start before"),
    ("a later item costed from month 1", "ecommerce-shop", _costed_before_start, "has figures in the short term"),
    ("benefits above the headline value", "ecommerce-shop", _benefits_above_headline, "not the sum"),
    ("risks above the risk allowance", "logistics-firm", _risks_above_allowance, "risk allowance is not"),
    ("hours apart between summary and items", "logistics-firm", _hours_apart, "hours saved a week"),
    ("ROI in the text unlike the table", "marketing-agency", _roi_off_by_one, "does not follow from its table"),
    ("break-even before a later dip", "heating-installer", _break_even_before_the_dip, "break even in month"),
    ("what-instead at a rejected item", "dental-clinic", _points_to_a_rejected_item, "which is not recommended"),
    ("what-instead at the wrong number", "dental-clinic", _points_to_a_wrong_number, "under another title"),
    ("accounting software not in use", "dental-clinic", _tool_not_used, "('your accounting')"),
    ("a helpdesk not in use", "heating-installer", _helpdesk_not_used, "('your helpdesk')"),
    ("a CRM not in use", "bookkeeper-solo", _crm_not_used, "('your crm')"),
    ("sensitive data, an unfit option", "dental-clinic", _sensitive_data_with_an_unfit_option, "not fit for it"),
    ("sensitive data, no data-protection risk", "dental-clinic", _sensitive_data_without_its_risk, "without a data"),
    ("'the right person' for one", "bookkeeper-solo", _team_words("route it to the right person"), "('right person')"),
    ("'train everyone' for one", "bookkeeper-solo", _team_words("train everyone"), "('train everyone')"),
    ("'two volunteers' for one", "bookkeeper-solo", _team_words("ask two volunteers"), "('volunteer')"),
    ("200 task hours a week for one person", "bookkeeper-solo", _two_hundred_hours, "more than the team can work"),
    ("'1 hours'", "youth-charity", _plural_with_one, "'1 hours'"),
    ("'4.33333 weeks'", "youth-charity", _float_tail, "'4.33333'"),
    ("internal ids in the methodology", "youth-charity", _internal_id, "'under_250k'"),
    ("'Weeks 0'", "youth-charity", _zero_weeks, "'Weeks 0'"),
    ("'Something else' for a logistics firm", "logistics-firm", _something_else, "'Something else'"),
    ("the key insight on the weaker item", "professional-services", _weaker_key_insight, "does not name the largest"),
    ("the roadmap and the item disagree", "marketing-agency", _roadmap_elsewhere, "elsewhere than"),
    ("a 'wait' verdict with quick wins", "dental-clinic", _quick_win_phase_under_wait, "keeps the quick-wins phase"),
]  # fmt: skip


@pytest.mark.parametrize(("defect", "name", "put_back", "said"), DEFECTS, ids=[d[0] for d in DEFECTS])
def test_each_defect_found_in_the_report_is_named(
    defect: str, name: str, put_back: Callable[[Data], None], said: str
) -> None:
    data = example(name)
    put_back(data)
    report = ReportData.model_validate(data)

    found = contradictions(report)

    assert any(said in problem for problem in found), found
    with pytest.raises(ReportInconsistent) as raised:
        check(report)
    assert raised.value.problems == found


def test_the_defects_are_put_into_reports_that_were_whole() -> None:
    """Each row starts from an example with no contradiction, so the one named is the one put back."""
    assert {name for _, name, _, _ in DEFECTS} <= {p.stem for p in EXAMPLES.glob("*.json")}
    assert all(contradictions(ReportData.model_validate(example(name))) == [] for _, name, _, _ in DEFECTS)


def test_of_two_equal_recommendations_the_key_insight_names_the_better_return() -> None:
    """Equal net (as a generated answer set once gave): the one with the higher ROI is the biggest."""
    data = example("marketing-agency")
    first, second = data["recommendations"][:2]
    second["net_benefit"] = first["net_benefit"] = max(r["net_benefit"] for r in data["recommendations"])
    better, weaker = sorted((first, second), key=lambda r: -r["roi_percent"])
    assert better["roi_percent"] > weaker["roi_percent"]

    def about_the_insight(title: str) -> list[str]:
        data["key_insight"] = f"Your biggest opportunity is '{title}'."
        return [p for p in contradictions(ReportData.model_validate(data)) if "key insight" in p]

    assert about_the_insight(better["title"]) == []
    assert about_the_insight(weaker["title"]) == [
        f"the key insight does not name the largest recommendation, '{better['title']}'"
    ]
