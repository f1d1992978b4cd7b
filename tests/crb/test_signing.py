"""HMAC-signed tokens: bound to key, purpose and value, URL-safe, stable across releases; bearer tokens kept hashed."""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crb import signing
from crb.settings import Secret
from tests.conftest import TEST_SECRET_KEY

KEY = Secret(TEST_SECRET_KEY)
PURPOSE = "report-download"
VALUE = "00000000-0000-0000-0000-000000000001"
URL_SAFE = re.compile(r"[A-Za-z0-9_-]{32}")


def test_a_signature_verifies_under_its_own_key_purpose_and_value() -> None:
    assert signing.verify(KEY, PURPOSE, VALUE, signing.sign(KEY, PURPOSE, VALUE))


@pytest.mark.parametrize(
    ("key", "purpose", "value"),
    [
        (Secret(TEST_SECRET_KEY + "x"), PURPOSE, VALUE),
        (KEY, "unsubscribe", VALUE),
        (KEY, PURPOSE, "00000000-0000-0000-0000-000000000002"),
    ],
    ids=["another-key", "another-purpose", "another-value"],
)
def test_a_signature_is_refused_for_anything_else(key: Secret, purpose: str, value: str) -> None:
    assert not signing.verify(key, purpose, value, signing.sign(KEY, PURPOSE, VALUE))


def test_purpose_and_value_are_kept_apart() -> None:
    # Without a separator, ("ab", "c") and ("a", "bc") would sign the same bytes.
    assert signing.sign(KEY, "ab", "c") != signing.sign(KEY, "a", "bc")


def test_signatures_made_before_still_verify() -> None:
    # Emailed links carry these: a change of scheme would break every link already sent.
    assert signing.sign(KEY, PURPOSE, VALUE) == "BE4aLDkJuWyFie3EsrEwLKYLUdygG7nD"


@given(purpose=st.text(max_size=20), value=st.text(max_size=200))
def test_a_signature_is_32_url_safe_characters_without_padding(purpose: str, value: str) -> None:
    signature = signing.sign(KEY, purpose, value)
    assert URL_SAFE.fullmatch(signature), signature
    assert signing.verify(KEY, purpose, value, signature)


def altered(signature: str) -> list[str]:
    """Every signature one character away, plus truncated, extended, padded and case-swapped ones."""
    swaps = [signature[:i] + ("A" if c != "A" else "B") + signature[i + 1 :] for i, c in enumerate(signature)]
    return [*swaps, signature[:-1], signature + "A", signature + "=", signature.swapcase(), ""]


def test_a_tampered_signature_is_refused() -> None:
    signature = signing.sign(KEY, PURPOSE, VALUE)
    refused = [s for s in altered(signature) if not signing.verify(KEY, PURPOSE, VALUE, s)]
    assert len(refused) == len(altered(signature)) == len(signature) + 5


@pytest.mark.parametrize("text", ["é" * 32, "🙂", "\udcff" * 32, "\udc80", "\x00" * 32, " " * 32])
def test_any_text_as_a_signature_is_refused_without_raising(text: str) -> None:
    # aiohttp hands over stray bytes of a query or header as surrogate escapes (\udc80-\udcff).
    assert signing.verify(KEY, PURPOSE, VALUE, text) is False


def test_a_lone_surrogate_as_a_signature_is_refused_without_raising() -> None:
    assert signing.verify(KEY, PURPOSE, VALUE, "\ud800") is False


def test_a_bearer_token_is_kept_as_its_sha256() -> None:
    # FIPS 180-2's test vector for "abc".
    assert signing.hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_a_token_with_stray_bytes_hashes_as_those_bytes() -> None:
    assert signing.hash_token("ab\udcff") == hashlib.sha256(b"ab\xff").hexdigest()
    assert signing.hash_token("é") == hashlib.sha256("é".encode()).hexdigest()
    assert signing.hash_token("ab\udcff") != signing.hash_token("ab\udcfe")
