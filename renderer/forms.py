"""Multipart form bodies read into memory as Gotenberg's routes take them: fields by name, files by file name.

Nothing is written to disk (aiohttp's `request.post()` would spool files to temporary ones), and the whole body is
held to RENDERER_MAX_BODY_BYTES, which aiohttp enforces only for the bodies it reads itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from renderer.errors import ApiError

MAX_NAME_CHARS = 255
_FORBIDDEN_IN_NAMES = set("/\\\0")


@dataclass(frozen=True)
class Upload:
    field: str  # the part's form-field name: `files` for curl, the file name itself for gotenberg-client
    name: str
    body: bytes
    content_type: str | None


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)  # by file name, in the order sent


async def read_form(request: web.Request, max_bytes: int) -> Form:
    """The request's multipart form; 415 for another body, 413 past `max_bytes`, 400 for a malformed one."""
    if request.content_type != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type", "send a multipart/form-data form, as Gotenberg's routes take")
    form, size = Form(), 0
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise ApiError(400, "invalid_form", "a form part may not be a multipart body of its own")
            body = bytearray()
            while chunk := await part.read_chunk():
                size += len(chunk)
                if size > max_bytes:
                    raise ApiError(413, "payload_too_large", f"the form is larger than {max_bytes} bytes")
                body.extend(chunk)
            _add(form, part, bytes(part.decode(body)))
    except (ValueError, HttpProcessingError) as exc:  # aiohttp's words for a body that is not the form it says
        raise ApiError(400, "invalid_form", "the body is not a readable multipart/form-data form") from exc
    return form


def _add(form: Form, part: BodyPartReader, body: bytes) -> None:
    name = part.name or ""
    if part.filename is None:
        if name in form.fields:
            raise ApiError(400, "invalid_form", f"the form field {name} is sent twice", field=name)
        try:
            form.fields[name] = body.decode(part.get_charset("utf-8"))
        except (LookupError, UnicodeDecodeError):
            raise ApiError(
                400, "invalid_form", f"the form field {name} is not text in its charset", field=name
            ) from None
        return
    filename = part.filename
    if not filename or filename in (".", "..") or len(filename) > MAX_NAME_CHARS or _FORBIDDEN_IN_NAMES & set(filename):
        message = f"the file name {filename[:80]!r} is not a plain file name (files sit side by side, in no folder)"
        raise ApiError(400, "invalid_form", message, field=name)
    if filename in form.files:
        raise ApiError(400, "invalid_form", f"two files are named {filename}", field=filename)
    form.files[filename] = Upload(name, filename, body, part.headers.get("Content-Type"))
