"""Abandoned checkouts (`CHECKOUT_RECOVERY`, https://docs.stripe.com/payments/checkout/abandoned-carts): a checkout
that expires with the buyer's consent to promotional email brings Stripe's recovery link, a new checkout that
copies the expired one (the same quiz session, so paying it is paying the session). The buyer gets one email
with it, ever; none without consent, none once the session is paid or checked out again."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Final

from crb import outbox
from crb.db import Connection
from crb.fulfilment import email_job
from crb.schedule import RECOVERY_LINK_DAYS
from crb.sessions import QuizSession
from crb.stripe_events import Recovery

KIND: Final = "checkout_recovery"


async def offer(conn: Connection, session_id: uuid.UUID, recovery: Recovery) -> bool:
    """Keep the link on the session and queue its email (sent once per session, whatever expires later)."""
    assert recovery.url is not None
    expires_at = (
        dt.datetime.fromtimestamp(recovery.expires_at, dt.UTC)
        if recovery.expires_at is not None
        else dt.datetime.now(dt.UTC) + dt.timedelta(days=RECOVERY_LINK_DAYS)
    )
    offered = await conn.fetchval(
        "update quiz_sessions set checkout_recovery_url = $2, checkout_recovery_expires_at = $3"
        " where id = $1 and erased_at is null and email is not null returning id",
        session_id,
        recovery.url,
        expires_at,
    )
    if offered is not None:
        await outbox.add(conn, email_job(session_id, KIND))
    return offered is not None


def why_not(session: QuizSession, now: dt.datetime) -> str | None:
    """Why the recovery email must not go now (the buyer paid, or opened a checkout again, meanwhile); None when
    it may."""
    if session.status != "checkout" or session.last_checkout_event != "expired":
        return f"session {session.status}, checkout {session.last_checkout_event or 'open'}"
    if session.checkout_recovery_url is None or session.checkout_recovery_expires_at is None:
        return "no recovery link"
    if session.checkout_recovery_expires_at <= now:
        return "recovery link expired"
    if session.unsubscribed_at is not None:
        return "unsubscribed"
    return None
