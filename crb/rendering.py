"""From a stored quiz session to the renderer's input, and facts about the PDF that comes back."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from crb import analysis
from crb.quiz import load_quiz, validate_answers
from crb.report import ReportData, SellerIdentity
from crb.sessions import QuizSession
from crb.settings import Seller, Settings, SiteSettings, Tier

# A page object in Chromium's (Skia's) PDF output: `/Type /Page`, not `/Type /Pages`.
_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def build_report_data(settings: Settings, session: QuizSession, today: dt.date) -> ReportData:
    """The report data for a paid session's answers and tier (deterministic: same answers, same report)."""
    tier = settings.tier(session.tier or "") or settings.tiers[0]
    return report_for(validate_answers(load_quiz(), session.answers, complete=True), tier, today, settings.site)


def report_for(answers: Mapping[str, object], tier: Tier, today: dt.date, site: SiteSettings) -> ReportData:
    """The report of `answers` in `tier`'s edition, as sold: with where its call is booked and who sells it."""
    report = analysis.analyse(
        answers, tier=tier.id, tier_name=tier.name, today=today, call_booking_url=site.call_booking_url
    )
    analysis.check(report)  # a contradiction is our bug: fail loudly rather than mail it
    return sold_by(report, site.seller)


def sold_by(report: ReportData, seller: Seller) -> ReportData:
    identity = SellerIdentity(
        name=seller.name, address_lines=seller.address_lines, vat_id=seller.vat_id, support_email=seller.support_email
    )
    return report.model_copy(update={"seller": identity})


def count_pages(pdf: bytes) -> int:
    """Pages in a PDF written by Chromium, which keeps its page dictionaries uncompressed."""
    return len(_PAGE_OBJECT.findall(pdf))
