"""Shared fixtures for the renderer tests: one answer set and its report data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from crb.analysis import analyse
from crb.report import ReportData

TODAY = dt.date(2025, 3, 14)


@pytest.fixture
def answers() -> dict[str, Any]:
    return {
        "company_name": "Acme GmbH",
        "industry": "marketing",
        "team_size": 6,
        "weekly_admin_hours": 40,
        "tools": ["crm", "spreadsheets"],
        "ai_experience": "experimenting",
        "data_quality": 3,
    }


@pytest.fixture
def report(answers: dict[str, Any]) -> ReportData:
    return analyse(answers, tier="report", tier_name="CRB Report", today=TODAY)
