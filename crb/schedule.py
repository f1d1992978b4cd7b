"""The scheduled jobs and retention periods, as data: the worker runs them, the admin API and site show them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Retention, each with its reason. The privacy page and the README state the same periods.
REPORT_PDF_DAYS = 30  # long enough to download again after the follow-up; a purged PDF is re-rendered on demand
UNPAID_SESSION_DAYS = 7  # an abandoned quiz's answers and email are kept a week for resume, then erased
# A checkout completed with a delayed payment method (SEPA Direct Debit, bank transfer) waits for its result:
# a SEPA debit can take up to 14 business days to succeed, so such a session is kept this long before erasure.
AWAITING_PAYMENT_DAYS = 30
# Stripe keeps an expired checkout's recovery link this long (CHECKOUT_RECOVERY): the session it pays is kept
# until the link lapses (the link's own end, where Stripe states it).
RECOVERY_LINK_DAYS = 30
FOLLOW_UP_AFTER_DAYS = 7  # the follow-up goes a week after delivery, when the reader has acted or stalled
GENERATION_STUCK_MINUTES = 15  # a generation running this long has lost its worker: queue it again
PAID_UNQUEUED_MINUTES = 2  # a paid session with no report job this long after payment: queue it again
EMAIL_UNQUEUED_MINUTES = 10  # a payment with no confirmation attempt this long: queue the email again
# An email still 'sending' this long lost its worker mid-send (a send takes seconds, a job at most
# JOB_TIMEOUT_S): ask the provider whether it went out before sending it again.
EMAIL_SENDING_STUCK_MINUTES = 30
# An email whose retries all failed (the provider down longer than the job's ~1.5 hours of backoff) is
# queued again this long after its last attempt (longer than the job's longest backoff, so its own retries
# are over), until it has had this many attempts in all: a mailer broken for good must not loop fast.
EMAIL_FAILED_RETRY_MINUTES = 120
EMAIL_MAX_ATTEMPTS = 30
# Housekeeping, not personal data: a relayed outbox row is only evidence once its job is queued (every job
# is idempotent downstream, so a pruned id queued again does no harm); run records feed the admin API.
OUTBOX_KEEP_DAYS = 7
JOB_RUNS_KEEP_DAYS = 90  # a quarter of the scheduled runs' history, for the admin API (no personal data)


@dataclass(frozen=True)
class Scheduled:
    """A job run by arq cron at fixed UTC times: daily at `hour`:`minute`, or every `every_minutes`."""

    name: str
    function: str
    hour: int | None = None
    minute: int = 0
    every_minutes: int | None = None

    @property
    def description(self) -> str:
        if self.every_minutes:
            return f"every {self.every_minutes} minutes"
        return f"daily at {self.hour:02d}:{self.minute:02d} UTC"

    def next_run(self, now: dt.datetime) -> dt.datetime:
        """The first scheduled time strictly after `now`, in UTC (the schedule's zone), whatever zone `now` is in."""
        base = now.astimezone(dt.UTC).replace(second=0, microsecond=0)
        if self.every_minutes:
            step = self.every_minutes - base.minute % self.every_minutes
            return base + dt.timedelta(minutes=step)
        assert self.hour is not None
        today = base.replace(hour=self.hour, minute=self.minute)
        return today if today > now else today + dt.timedelta(days=1)


SCHEDULE = (
    Scheduled("follow-up-emails", "follow_up_emails", hour=10),
    Scheduled("storage-cleanup", "storage_cleanup", hour=3),
    Scheduled("quiz-cleanup", "quiz_cleanup", hour=4),
    Scheduled("reconcile", "reconcile", every_minutes=5),
)


def scheduled(name: str) -> Scheduled | None:
    return next((s for s in SCHEDULE if s.name == name), None)
