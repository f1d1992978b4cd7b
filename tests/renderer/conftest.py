"""Shared fixtures for the renderer tests: one answer set and its report data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from crb.analysis import analyse
from crb.quiz import load_quiz, validate_answers
from crb.report import ReportData

TODAY = dt.date(2025, 3, 14)


@pytest.fixture
def answers() -> dict[str, Any]:
    return {
        "company_name": "Acme GmbH",
        "industry": "marketing",
        "team_size": 6,
        "revenue_band": "250k_1m",
        "hours_admin": 12,
        "hours_support": 6,
        "hours_scheduling": 4,
        "hours_reporting": 6,
        "hours_content": 20,
        "process_repetitiveness": 3,
        "process_documentation": 3,
        "tools": ["crm", "spreadsheets"],
        "data_location": "few_connected",
        "data_quality": 3,
        "integration_pain": 3,
        "ai_experience": "experimenting",
        "tech_comfort": 3,
        "change_capacity": 3,
        "data_sensitivity": "personal",
        "ai_policy": "informal",
        "risk_appetite": 3,
        "goals": ["save_time", "grow_revenue"],
        "ai_strategy": "ideas",
        "monthly_budget": "250_1000",
        "timeline": "soon",
    }


@pytest.fixture
def report(answers: dict[str, Any]) -> ReportData:
    return analyse(
        validate_answers(load_quiz(), answers, complete=True), tier="report", tier_name="CRB Report", today=TODAY
    )
