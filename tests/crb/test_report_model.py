"""The report data model: its own consistency rules, its JSON round trip and its exported JSON Schema."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from pydantic import ValidationError

from crb.analysis import analyse
from crb.report import REPORT_SCHEMA_VERSION, Estimate, EuroRange, Finding, ReportData, report_json_schema
from tests.journey import ANSWERS


@pytest.fixture(scope="module")
def report() -> ReportData:
    return analyse(ANSWERS, tier="report", tier_name="CRB Report", today=dt.date(2026, 11, 20))


def test_the_report_round_trips_through_json(report: ReportData) -> None:
    again = ReportData.model_validate_json(report.model_dump_json())

    assert again == report
    assert report.schema_version == REPORT_SCHEMA_VERSION == 3
    assert report.currency == "EUR"


def _finding(report: ReportData, **changes: Any) -> dict[str, Any]:
    return {**report.findings[0].model_dump(), **changes}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"recommended": False}, "must match status"),
        ({"customer_value": 5}, "both pillars are 6 or above"),
        ({"status": "not_recommended", "recommended": False}, "why_not and what_instead"),
        ({"customer_value": 11}, "less than or equal to 10"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_a_finding_keeps_its_rules(report: ReportData, changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Finding.model_validate(_finding(report, **changes))


def test_ranges_are_ordered() -> None:
    with pytest.raises(ValidationError, match="low <= expected <= high"):
        Estimate(low=10, expected=5, high=20)
    with pytest.raises(ValidationError, match="low <= high"):
        EuroRange(low=10, high=5)


def test_the_roi_cap_is_part_of_the_contract(report: ReportData) -> None:
    rec = report.recommendations[0].model_dump()

    with pytest.raises(ValidationError, match="less than or equal to 500"):
        ReportData.model_validate({**report.model_dump(), "recommendations": [{**rec, "roi_percent": 501}]})


def test_the_json_schema_describes_the_contract() -> None:
    schema = report_json_schema()

    assert schema["title"] == "ReportData"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert {"company_name", "readiness_score", "findings", "recommendations", "verdict", "methodology"} <= set(
        schema["required"]
    )
    finding = schema["$defs"]["Finding"]["properties"]
    assert finding["customer_value"]["maximum"] == 10
    json.dumps(schema)  # plain JSON
