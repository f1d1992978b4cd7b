"""Answers in, teaser and report data out: the stable entry points the edge, worker, renderer and CLI call."""

from __future__ import annotations

from crb.assessment.assumptions import FINDINGS_PER_TIER, TEASER_FULL_FINDINGS
from crb.assessment.consistency import ReportInconsistent, check, contradictions
from crb.assessment.engine import analyse, teaser

__all__ = [
    "FINDINGS_PER_TIER",
    "TEASER_FULL_FINDINGS",
    "ReportInconsistent",
    "analyse",
    "check",
    "contradictions",
    "teaser",
]
