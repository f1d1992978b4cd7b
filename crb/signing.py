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
    return hmac.compare_digest(sign(key, purpose, value), signature)


def hash_token(token: str) -> str:
    """How a bearer token is kept at rest: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()
