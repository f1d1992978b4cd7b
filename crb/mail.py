"""Sending email: Postmark through postmarker in production, `.eml` files in a local outbox by default."""

from __future__ import annotations

import asyncio
import base64
import email.parser
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from crb.settings import Settings

POSTMARK_TIMEOUT_S = 20
MESSAGE_STREAM = "outbound"


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str
    tag: str
    metadata: dict[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()


class PermanentMailError(RuntimeError):
    """The provider refused this message for good (inactive recipient, invalid address): do not retry."""


class TransientMailError(RuntimeError):
    """The provider could not take the message now (5xx, rate limit, network): try again later."""


class Mailer(Protocol):
    async def send(self, message: Email) -> str:
        """Send one message; return the provider's message id."""
        ...

    async def find(self, key: str, value: str) -> str | None:
        """The provider's id of a message sent earlier with this metadata, or None if it has none."""
        ...


class OutboxMailer:
    """Writes each message as a standard MIME `.eml` file under `$DATA_DIR/outbox/`."""

    def __init__(self, settings: Settings) -> None:
        self.directory = settings.data_dir / "outbox"
        self._from = settings.email_from

    async def send(self, message: Email) -> str:
        mime = to_mime(message, self._from)
        message_id = str(mime["Message-ID"]).strip("<>")
        name = f"{mime['Date-Stamp']}-{message.tag}-{_safe(message.to)}.eml"
        del mime["Date-Stamp"]
        await asyncio.to_thread(self._write, self.directory / name, mime.as_bytes(policy=email.policy.SMTP))
        return message_id

    async def find(self, key: str, value: str) -> str | None:
        return await asyncio.to_thread(self._find, f"X-Metadata-{key}", value)

    def _find(self, header: str, value: str) -> str | None:
        parser = email.parser.BytesHeaderParser(policy=email.policy.default)
        for path in sorted(self.directory.glob("*.eml")):
            with path.open("rb") as f:
                headers = parser.parse(f)
            if headers[header] == value:
                return str(headers["Message-ID"]).strip("<>")
        return None

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)


def to_mime(message: Email, sender: str) -> EmailMessage:
    mime = EmailMessage()
    mime["From"] = sender
    mime["To"] = message.to
    mime["Subject"] = message.subject
    now = email.utils.localtime()
    mime["Date"] = email.utils.format_datetime(now)
    mime["Message-ID"] = email.utils.make_msgid(domain="crb-analyser.local")
    mime["X-Tag"] = message.tag
    for key, value in message.metadata.items():
        mime[f"X-Metadata-{key}"] = value
    mime["Date-Stamp"] = now.strftime("%Y%m%dT%H%M%S%f")
    mime.set_content(message.text)
    mime.add_alternative(message.html, subtype="html")
    for a in message.attachments:
        maintype, subtype = a.content_type.split("/", 1)
        mime.add_attachment(a.content, maintype=maintype, subtype=subtype, filename=a.name)
    return mime


class PostmarkMailer:
    """Postmark's /email endpoint through postmarker (https://postmarkapp.com/developer/api/email-api)."""

    def __init__(self, settings: Settings) -> None:
        from postmarker.core import PostmarkClient

        assert settings.postmark_server_token is not None
        self._client = PostmarkClient(
            server_token=settings.postmark_server_token.value,
            root_api_url=settings.postmark_api_base,
            timeout=POSTMARK_TIMEOUT_S,
        )
        self._from = settings.email_from

    async def send(self, message: Email) -> str:
        # postmarker is synchronous (requests) and has no default timeout: run it in a thread, with one.
        return await asyncio.to_thread(self._send, message)

    def _send(self, message: Email) -> str:
        from postmarker.exceptions import ClientError
        from requests import RequestException

        payload = {
            "From": self._from,
            "To": message.to,
            "Subject": message.subject,
            "TextBody": message.text,
            "HtmlBody": message.html,
            "Tag": message.tag,
            "Metadata": message.metadata,
            "MessageStream": MESSAGE_STREAM,
            "Attachments": [
                {"Name": a.name, "Content": base64.b64encode(a.content).decode(), "ContentType": a.content_type}
                for a in message.attachments
            ],
        }
        try:
            response = self._client.call("POST", "/email", data=payload)
        except ClientError as e:
            # HTTP 422 is Postmark's "this message cannot be sent" (ErrorCode 406: inactive recipient,
            # 300: invalid address, ...); anything else (5xx, 429) is worth another try.
            http = e.__cause__
            status = getattr(getattr(http, "response", None), "status_code", 0)
            if status == 422:
                raise PermanentMailError(f"Postmark error {e.error_code}: {e}") from e
            raise TransientMailError(f"Postmark answered {status or 'an error'}: {e}") from e
        except RequestException as e:
            raise TransientMailError(f"Postmark unreachable: {e!r}") from e
        return str(response["MessageID"])

    async def find(self, key: str, value: str) -> str | None:
        return await asyncio.to_thread(self._find, key, value)

    def _find(self, key: str, value: str) -> str | None:
        """Postmark's message search by metadata (https://postmarkapp.com/developer/api/messages-api)."""
        from postmarker.exceptions import ClientError
        from requests import RequestException

        try:
            found = self._client.call("GET", "/messages/outbound", count=1, offset=0, **{f"metadata_{key}": value})
        except (ClientError, RequestException) as e:
            raise TransientMailError(f"Postmark message search failed: {e!r}") from e
        messages = found.get("Messages") or []
        return str(messages[0]["MessageID"]) if messages else None


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._-]", "_", text)[:80]


def mailer_for(settings: Settings) -> Mailer:
    """The one place that chooses Postmark or the local outbox."""
    return PostmarkMailer(settings) if settings.postmark_server_token else OutboxMailer(settings)
