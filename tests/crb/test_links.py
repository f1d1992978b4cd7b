"""Links from emails and pages: absolute, signed for their one purpose, refused when altered or foreign."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from crb import links
from crb.settings import Secret, Settings
from tests.conftest import TEST_SECRET_KEY

BASE = "https://crb.example"
REPORT = uuid.UUID("6f1c2a3e-0b7d-4c41-9a55-3d2e8f0a1b2c")
SESSION = uuid.UUID("0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70")


def settings(secret_key: str = TEST_SECRET_KEY, public_base_url: str = BASE) -> Settings:
    return Settings(data_dir=Path("/nonexistent"), secret_key=Secret(secret_key), public_base_url=public_base_url)


def token_of(url: str) -> str:
    (token,) = parse_qs(urlsplit(url).query, strict_parsing=True)["token"]
    return token


def test_a_download_link_names_its_report_and_opens_it() -> None:
    url = links.download_url(settings(), REPORT)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE
    assert parts.path == f"/api/reports/{REPORT}/download"
    assert list(parse_qs(parts.query)) == ["token"]  # no expiry: the link lasts
    assert links.download_token_ok(settings(), REPORT, token_of(url))


def test_a_download_link_is_the_same_whenever_it_is_made() -> None:
    # The report-ready email and the follow-up a week later carry one link.
    assert links.download_url(settings(), REPORT) == links.download_url(settings(), REPORT)


def test_tokens_need_no_escaping_in_a_url() -> None:
    for url in (links.download_url(settings(), REPORT), links.unsubscribe_url(settings(), SESSION)):
        token = url.partition("?token=")[2]
        assert quote(token, safe="") == token
        assert token_of(url) == token


def test_a_download_token_opens_only_its_own_report_under_its_own_key() -> None:
    token = token_of(links.download_url(settings(), REPORT))
    assert not links.download_token_ok(settings(), uuid.uuid4(), token)
    assert not links.download_token_ok(settings(secret_key="another-secret-key-0123456789"), REPORT, token)


@pytest.mark.parametrize(
    "alter",
    [
        lambda t: t[:-1],
        lambda t: t + "A",
        lambda t: ("B" if t[0] == "A" else "A") + t[1:],
        lambda t: t.swapcase(),
        lambda t: "",
        lambda t: "é" * len(t),
    ],
    ids=["truncated", "extended", "first-character-changed", "case-swapped", "empty", "non-ascii"],
)
def test_an_altered_download_token_is_refused(alter: Callable[[str], str]) -> None:
    token = token_of(links.download_url(settings(), REPORT))
    assert not links.download_token_ok(settings(), REPORT, alter(token))


def test_a_public_base_url_with_a_trailing_slash_makes_no_double_slash(tmp_path: Path) -> None:
    configured = Settings.from_env(
        {"DATA_DIR": str(tmp_path), "SECRET_KEY": TEST_SECRET_KEY, "PUBLIC_BASE_URL": BASE + "/"}
    )
    assert links.download_url(configured, REPORT).startswith(f"{BASE}/api/reports/{REPORT}/download?token=")
    assert links.unsubscribe_url(configured, SESSION).startswith(f"{BASE}/api/unsubscribe?token=")


def test_an_unsubscribe_link_names_its_session() -> None:
    url = links.unsubscribe_url(settings(), SESSION)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{BASE}/api/unsubscribe"
    token = token_of(url)
    assert token.startswith(f"{SESSION}.")
    assert links.unsubscribe_session(settings(), token) == SESSION


def unsubscribe_token(session_id: uuid.UUID = SESSION, secret_key: str = TEST_SECRET_KEY) -> str:
    return token_of(links.unsubscribe_url(settings(secret_key=secret_key), session_id))


@pytest.mark.parametrize(
    "token",
    [
        f"{uuid.uuid4()}.{unsubscribe_token().partition('.')[2]}",  # another session's id, this signature
        unsubscribe_token(secret_key="another-secret-key-0123456789"),
        str(SESSION).upper() + "." + unsubscribe_token().partition(".")[2],  # the same id, spelt otherwise
        str(SESSION),
        f"{SESSION}.",
        unsubscribe_token() + ".more",
        unsubscribe_token()[:-1],
        "not-a-uuid." + unsubscribe_token().partition(".")[2],
        ".",
        "",
        "\udcff.\udcff",
    ],
    ids=[
        "foreign-id",
        "another-key",
        "upper-case-id",
        "no-signature",
        "empty-signature",
        "trailing-text",
        "truncated",
        "not-a-uuid",
        "dot",
        "empty",
        "stray-bytes",
    ],
)
def test_an_unsubscribe_token_not_made_for_the_session_is_refused(token: str) -> None:
    assert links.unsubscribe_session(settings(), token) is None


def test_a_token_for_one_purpose_serves_no_other() -> None:
    same_id = SESSION
    download = token_of(links.download_url(settings(), same_id))
    unsubscribe = unsubscribe_token(same_id)
    assert links.unsubscribe_session(settings(), f"{same_id}.{download}") is None
    assert not links.download_token_ok(settings(), same_id, unsubscribe.partition(".")[2])
    assert not links.download_token_ok(settings(), same_id, unsubscribe)
