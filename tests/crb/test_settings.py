"""The settings and their views: one reader for all, the renderer's and the site's views reading only their own
variables, and the secret key read from SECRET_KEY or DATA_DIR/secret.key, never made by reading settings."""

from __future__ import annotations

import hashlib
import hmac
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields
from pathlib import Path

import pytest

from crb.settings import (
    DEFAULT_TIERS,
    SECRET_KEY_FILE,
    ConfigError,
    RendererSettings,
    Secret,
    Settings,
    SiteSettings,
    init_secret_key,
)
from tests.conftest import TEST_SECRET_KEY


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A DATA_DIR no process has used yet: it does not even exist."""
    return tmp_path / "data"


def test_reading_settings_never_writes(tmp_path: Path, data_dir: Path) -> None:
    env = {"DATA_DIR": str(data_dir)}
    with pytest.raises(ConfigError):
        Settings.from_env(env)
    with pytest.raises(ConfigError):
        RendererSettings.from_env(env)
    SiteSettings.from_env(env)
    Settings.from_env({**env, "SECRET_KEY": TEST_SECRET_KEY})
    RendererSettings.from_env({**env, "RENDERER_TOKEN": "t"})
    assert tree(tmp_path) == []


def test_without_a_key_the_error_says_what_to_do(data_dir: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"DATA_DIR": str(data_dir)})
    message = str(caught.value)
    assert message.startswith(f"SECRET_KEY is not set and {data_dir / SECRET_KEY_FILE} does not exist: ")
    assert "run `crb init` (or `make run`), which creates DATA_DIR/secret.key" in message
    assert "or set SECRET_KEY to a long random value (e.g. `openssl rand -hex 32`)" in message


def test_an_empty_key_file_is_no_key(data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / SECRET_KEY_FILE).write_text("\n")
    with pytest.raises(ConfigError, match=r"secret\.key is empty: run `crb init`"):
        Settings.from_env({"DATA_DIR": str(data_dir)})


def test_the_key_file_is_read_and_secret_key_wins_over_it(data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / SECRET_KEY_FILE).write_text("from-the-file\n")
    env = {"DATA_DIR": str(data_dir)}
    assert Settings.from_env(env).secret_key == Secret("from-the-file")
    assert Settings.from_env({**env, "SECRET_KEY": TEST_SECRET_KEY}).secret_key == Secret(TEST_SECRET_KEY)


def test_init_makes_the_key_once_and_keeps_it(tmp_path: Path, data_dir: Path) -> None:
    env = {"DATA_DIR": str(data_dir)}
    made = init_secret_key(env)
    assert made is not None and made.created and made.path == data_dir / SECRET_KEY_FILE
    key = made.path.read_text()
    assert len(bytes.fromhex(key)) == 32
    assert stat.S_IMODE(made.path.stat().st_mode) == 0o600

    again = init_secret_key(env)
    assert again is not None and not again.created
    assert made.path.read_text() == key
    assert tree(tmp_path) == ["data", f"data/{SECRET_KEY_FILE}"]  # no temporary file left behind
    assert Settings.from_env(env).secret_key == Secret(key)


def test_processes_making_the_key_at_once_agree_on_it(data_dir: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(lambda _: init_secret_key({"DATA_DIR": str(data_dir)}), range(16)))
    assert sum(1 for key in made if key is not None and key.created) == 1
    assert [p.name for p in data_dir.iterdir()] == [SECRET_KEY_FILE]


def test_init_with_secret_key_set_needs_no_file(tmp_path: Path, data_dir: Path) -> None:
    assert init_secret_key({"DATA_DIR": str(data_dir), "SECRET_KEY": TEST_SECRET_KEY}) is None
    assert tree(tmp_path) == []


@pytest.mark.parametrize(
    ("others", "refusal"),
    [
        ({"SECRET_KEY": TEST_SECRET_KEY, "STRIPE_SECRET_KEY": "sk_test_x"}, "STRIPE_WEBHOOK_SECRET is not set"),
        ({"STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}, "a live STRIPE_SECRET_KEY"),
        ({"SECRET_KEY": TEST_SECRET_KEY, "SUPABASE_URL": "https://x.supabase.co"}, "SUPABASE_SERVICE_KEY"),
        ({"SECRET_KEY": TEST_SECRET_KEY, "TIERS": "[]", "RATE_LIMITS": "{", "EDGE_PORT": "0"}, "TIERS"),
    ],
)
def test_the_renderer_reads_none_of_the_other_services_settings(
    data_dir: Path, others: dict[str, str], refusal: str
) -> None:
    env = {"DATA_DIR": str(data_dir), "RENDERER_TOKEN": "t0ken", **others}
    with pytest.raises(ConfigError, match=refusal):
        Settings.from_env(env)
    assert RendererSettings.from_env(env).renderer_token == Secret("t0ken")


def test_the_renderer_derives_its_token_as_the_worker_does(data_dir: Path) -> None:
    expected = hmac.new(TEST_SECRET_KEY.encode(), b"renderer-token", hashlib.sha256).hexdigest()[:40]
    env = {"DATA_DIR": str(data_dir), "SECRET_KEY": TEST_SECRET_KEY}
    assert RendererSettings.from_env(env).renderer_token == Settings.from_env(env).renderer_token == Secret(expected)
    init_secret_key({"DATA_DIR": str(data_dir)})
    from_file = {"DATA_DIR": str(data_dir)}
    assert RendererSettings.from_env(from_file).renderer_token == Settings.from_env(from_file).renderer_token


def test_the_renderer_without_a_token_or_a_key_says_what_to_do(data_dir: Path) -> None:
    with pytest.raises(ConfigError, match=r"run `crb init`.*; or set RENDERER_TOKEN, the token the worker sends$"):
        RendererSettings.from_env({"DATA_DIR": str(data_dir)})


def test_the_site_needs_no_key_and_reads_only_its_own(data_dir: Path) -> None:
    env = {"DATA_DIR": str(data_dir), "STRIPE_SECRET_KEY": "sk_live_x", "RENDERER_PAGES": "0"}
    site = SiteSettings.from_env({**env, "CHECKOUT_EXPIRY_MINUTES": "90", "CALL_BOOKING_URL": "https://cal.example/"})
    assert site.tiers == DEFAULT_TIERS and site.tier("report") == DEFAULT_TIERS[0] and site.tier("nope") is None
    assert (site.checkout_expiry_minutes, site.call_booking_url) == (90, "https://cal.example")
    with pytest.raises(ConfigError, match=r"^CHECKOUT_EXPIRY_MINUTES=1 is out of range: set it between 30 and 1440$"):
        SiteSettings.from_env({"CHECKOUT_EXPIRY_MINUTES": "1"})
    with pytest.raises(ConfigError, match=r"^TIERS is not valid: set TIERS to a JSON list like"):
        SiteSettings.from_env({"TIERS": "[]x"})


ENVIRONMENTS = [
    {},
    {
        "RENDERER_TOKEN": "tok",
        "RENDERER_HOST": "0.0.0.0",
        "RENDERER_PORT": "9000",
        "RENDERER_PAGES": "3",
        "RENDERER_MAX_QUEUE": "0",
        "RENDERER_JOB_TIMEOUT_S": "45",
        "RENDERER_MAX_BODY_BYTES": "2048",
        "RENDERER_RECYCLE_PAGES_AFTER": "7",
        "RENDERER_RESTART_AFTER_JOBS": "70",
        "CHROMIUM_PATH": "/opt/chromium",
        "TIERS": '[{"id": "only", "name": "Only", "amount": 900, "currency": "USD"}]',
        "CHECKOUT_EXPIRY_MINUTES": "120",
        "CALL_BOOKING_URL": "https://cal.example/crb",
    },
]


@pytest.mark.parametrize("extra", ENVIRONMENTS)
def test_the_views_read_what_settings_read(data_dir: Path, extra: dict[str, str]) -> None:
    """The edge's and worker's `Settings` hold each view's fields, read once, with the same values."""
    env = {"DATA_DIR": str(data_dir), "SECRET_KEY": TEST_SECRET_KEY, **extra}
    settings = Settings.from_env(env)
    assert settings.renderer == RendererSettings.from_env(env)
    assert settings.site == SiteSettings.from_env(env)
    assert settings.renderer_url == f"http://127.0.0.1:{settings.renderer_port}"


def test_every_view_field_is_a_settings_field() -> None:
    names = {f.name: f.type for f in fields(Settings)}
    for view in (RendererSettings, SiteSettings):
        assert {f.name: f.type for f in fields(view)}.items() <= names.items(), view.__name__


def test_a_bad_renderer_value_names_its_variable() -> None:
    with pytest.raises(ConfigError, match=r"^RENDERER_PAGES=0 is out of range: set it between 1 and 64$"):
        RendererSettings.from_env({"RENDERER_TOKEN": "t", "RENDERER_PAGES": "0"})
    with pytest.raises(ConfigError, match=r"^RENDERER_PORT='x' is not a whole number: set it between 1 and 65535$"):
        RendererSettings.from_env({"RENDERER_TOKEN": "t", "RENDERER_PORT": "x"})


def test_the_renderer_token_never_shows() -> None:
    settings = RendererSettings.from_env({"RENDERER_TOKEN": "very-secret-token"})
    assert "very-secret-token" not in repr(settings) and "very-secret-token" not in str(settings)
