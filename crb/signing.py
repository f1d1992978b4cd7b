"""HMAC-signed tokens for links that must work without a login: downloads, local files, unsubscribe."""

from __future__ import annotations

import base64
import hashlib
import hmac

from crb.settings import Secret


def sign(key: Secret, purpose: str, value: str) -> str:
    """A URL-safe signature binding `value` to `purpose` under `key`."""
    mac = hmac.new(key.value.encode(), f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode().rstrip("=")


def verify(key: Secret, purpose: str, value: str, signature: str) -> bool:
    """Whether `signature` is genuine; any text at all, even non-ASCII (compare_digest refuses such a str)."""
    return hmac.compare_digest(sign(key, purpose, value).encode(), _raw(signature))


def hash_token(token: str) -> str:
    """How a bearer token is kept at rest: its SHA-256, never the token itself."""
    return hashlib.sha256(_raw(token)).hexdigest()


def _raw(text: str) -> bytes:
    # aiohttp decodes headers and queries with surrogateescape: a stray byte must hash or compare, not raise;
    # and any other lone surrogate too ("surrogatepass" keeps it as its own bytes, which match no signature).
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")
