"""Customer emails: templates per kind (subject, text, HTML), and sending each (session, kind) at most once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from functools import cache
from typing import Any

import jinja2

from crb.db import Pool
from crb.mail import Attachment, Email, Mailer, PermanentMailError, TransientMailError

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 10 * 1024 * 1024  # Postmark refuses messages over 10 MB, attachments included
_BASE64_OVERHEAD = 4 / 3
_HEADROOM_BYTES = 200 * 1024  # bodies and headers
EMAIL_ID = "email_id"  # metadata on every message, to find it at the provider if its worker dies mid-send


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("crb.emails", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def compose(
    kind: str, to: str, session_id: uuid.UUID, context: Mapping[str, Any], attachments: tuple[Attachment, ...] = ()
) -> Email:
    """Render one kind's three templates into a message tagged with its kind and session."""
    env = _templates()
    return Email(
        to=to,
        # A header holds one line: whatever the context brings (a company name with a line break), collapse it.
        subject=" ".join(env.get_template(f"{kind}/subject.txt").render(context).split()),
        text=env.get_template(f"{kind}/body.txt").render(context),
        html=env.get_template(f"{kind}/body.html").render(context),
        tag=kind.replace("_", "-"),
        metadata={"session_id": str(session_id)},
        attachments=attachments,
    )


def fits_as_attachment(size: int) -> bool:
    """Whether a file of `size` bytes can ride in a message without pushing it over Postmark's limit."""
    return size * _BASE64_OVERHEAD + _HEADROOM_BYTES <= MAX_MESSAGE_BYTES


async def send_once(pool: Pool, mailer: Mailer, session_id: uuid.UUID, kind: str, message: Email) -> bool:
    """Send `message` unless this (session, kind) was already sent or is being sent; record every attempt.

    Returns True when this call sent it. A transient failure is recorded as `failed` and raised, so the
    job retries; a permanent refusal is recorded as `rejected` and not retried.
    """
    reserved = await pool.fetchrow(
        "insert into emails (session_id, kind, recipient, status, attempts) values ($1, $2, $3, 'sending', 1)"
        " on conflict (session_id, kind) do update set status = 'sending', attempts = emails.attempts + 1,"
        " updated_at = now() where emails.status = 'failed' returning id, attempts",
        session_id,
        kind,
        message.to,
    )
    if reserved is None:
        log.info("%s email for %s already sent or in flight; not sending again", kind, session_id)
        return False
    email_id = reserved["id"]
    message = dataclasses.replace(message, metadata={**message.metadata, EMAIL_ID: str(email_id)})
    try:
        if reserved["attempts"] > 1 and await _went_out(pool, mailer, email_id):
            return False
        message_id = await mailer.send(message)
    except PermanentMailError as e:
        await _finish(pool, email_id, "rejected", error=str(e))
        log.warning("%s email for %s refused for good: %s", kind, session_id, e)
        return False
    except Exception as e:
        await _finish(pool, email_id, "failed", error=repr(e))
        raise
    await _finish(pool, email_id, "sent", message_id=message_id)
    return True


async def _went_out(pool: Pool, mailer: Mailer, email_id: int) -> bool:
    """Whether an earlier attempt's message reached the provider after all (its answer was lost, e.g. to a
    timeout): if so it is marked sent. A TransientMailError from the search propagates, so the job retries."""
    message_id = await mailer.find(EMAIL_ID, str(email_id))
    if message_id is None:
        return False
    await _finish(pool, email_id, "sent", message_id=message_id)
    log.info("email %s reached the provider on an earlier attempt: marked sent, not sent again", email_id)
    return True


async def settle_stuck(pool: Pool, mailer: Mailer, since: dt.datetime) -> list[tuple[uuid.UUID, str]]:
    """Emails still `sending` since before `since` lost their worker mid-send: `sent` if the provider has
    the message, else `failed`, to be sent again. Returns the (session, kind) of those to send again."""
    rows = await pool.fetch(
        "select id, session_id, kind from emails where status = 'sending' and updated_at < $1 order by id", since
    )
    again = []
    for row in rows:
        try:
            message_id = await mailer.find(EMAIL_ID, str(row["id"]))
        except TransientMailError as e:
            log.warning("could not ask the provider about email %s; trying at the next reconcile: %s", row["id"], e)
            continue
        if message_id is not None:
            await _finish(pool, row["id"], "sent", message_id=message_id)
            log.info("email %s went out before its worker stopped: marked sent", row["id"])
        elif await _finish(pool, row["id"], "failed", error="the worker stopped mid-send; the provider has no copy"):
            again.append((row["session_id"], row["kind"]))
    return again


async def _finish(
    pool: Pool, email_id: int, status: str, *, error: str | None = None, message_id: str | None = None
) -> bool:
    """Record how a send ended; False if the email was no longer `sending` (someone else settled it)."""
    result = await pool.execute(
        "update emails set status = $2, last_error = $3, provider_message_id = $4, updated_at = now(),"
        " sent_at = case when $2 = 'sent' then now() end where id = $1 and status = 'sending'",
        email_id,
        status,
        error,
        message_id,
    )
    return bool(result == "UPDATE 1")
