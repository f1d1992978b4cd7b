"""Absolute links that customers follow from emails and pages, signed where they need no login."""

from __future__ import annotations

import uuid

from crb import signing
from crb.settings import Settings

DOWNLOAD_PURPOSE = "report-download"


def download_url(settings: Settings, report_id: uuid.UUID) -> str:
    """The report's lasting download link; the edge checks the session's state on every use."""
    token = signing.sign(settings.secret_key, DOWNLOAD_PURPOSE, str(report_id))
    return f"{settings.public_base_url}/api/reports/{report_id}/download?token={token}"


def download_token_ok(settings: Settings, report_id: uuid.UUID, token: str) -> bool:
    return signing.verify(settings.secret_key, DOWNLOAD_PURPOSE, str(report_id), token)


UNSUBSCRIBE_PURPOSE = "unsubscribe"


def unsubscribe_url(settings: Settings, session_id: uuid.UUID) -> str:
    """The follow-up email's one-click unsubscribe link."""
    token = f"{session_id}.{signing.sign(settings.secret_key, UNSUBSCRIBE_PURPOSE, str(session_id))}"
    return f"{settings.public_base_url}/api/unsubscribe?token={token}"


def unsubscribe_session(settings: Settings, token: str) -> uuid.UUID | None:
    """The session an unsubscribe token names, if the token is genuine."""
    raw, _, sig = token.partition(".")
    try:
        session_id = uuid.UUID(raw)
    except ValueError:
        return None
    return session_id if signing.verify(settings.secret_key, UNSUBSCRIBE_PURPOSE, raw, sig) else None
