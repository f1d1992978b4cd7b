"""The report data model: the renderer's input contract, versioned and JSON-serialisable."""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

REPORT_SCHEMA_VERSION: Final = 1

Category = Literal["efficiency", "growth", "risk", "compliance", "customer_experience"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PillarScore(_Frozen):
    id: str
    name: str
    score: int = Field(ge=0, le=100)


class Finding(_Frozen):
    id: str
    title: str
    summary: str
    category: Category
    customer_value: int = Field(ge=1, le=10)
    business_health: int = Field(ge=1, le=10)
    hours_saved_per_week: float = Field(ge=0)
    recommended: bool


class Teaser(_Frozen):
    """What a visitor sees for free once the quiz is complete."""

    readiness_score: int = Field(ge=0, le=100)
    band: str
    pillars: tuple[PillarScore, ...]
    findings: tuple[Finding, ...]
    locked_titles: tuple[str, ...]


class ReportData(_Frozen):
    """Everything the renderer needs to print one customer's report."""

    schema_version: Literal[1] = REPORT_SCHEMA_VERSION
    company_name: str = Field(min_length=1, max_length=200)
    tier: str
    tier_name: str
    generated_on: dt.date
    readiness_score: int = Field(ge=0, le=100)
    band: str
    pillars: tuple[PillarScore, ...] = Field(min_length=1)
    findings: tuple[Finding, ...]
    value_saved_per_year: float = Field(ge=0)
    assumptions: tuple[str, ...]
