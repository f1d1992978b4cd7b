"""From a stored quiz session to the renderer's input, and facts about the PDF that comes back."""

from __future__ import annotations

import datetime as dt
import re

from crb import analysis
from crb.quiz import load_quiz, validate_answers
from crb.report import ReportData
from crb.sessions import QuizSession
from crb.settings import Settings

# A page object in Chromium's (Skia's) PDF output: `/Type /Page`, not `/Type /Pages`.
_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def build_report_data(settings: Settings, session: QuizSession, today: dt.date) -> ReportData:
    """The report data for a paid session's answers and tier (deterministic: same answers, same report)."""
    tier = settings.tier(session.tier or "") or settings.tiers[0]
    answers = validate_answers(load_quiz(), session.answers, complete=True)
    report = analysis.analyse(
        answers, tier=tier.id, tier_name=tier.name, today=today, call_booking_url=settings.call_booking_url
    )
    analysis.check(report)  # a contradiction is our bug: fail loudly rather than mail it
    return report


def count_pages(pdf: bytes) -> int:
    """Pages in a PDF written by Chromium, which keeps its page dictionaries uncompressed."""
    return len(_PAGE_OBJECT.findall(pdf))
