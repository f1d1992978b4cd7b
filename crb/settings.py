"""All configuration, read once from the environment and validated at start-up.

`Settings` is the edge's and the worker's; `RendererSettings` and `SiteSettings` are the views the renderer
service and the static site build (with the offline commands) read, each only the variables it needs. One
reader, `_Env`, parses every variable for them all, and reading never writes: the local secret key is made
by `crb init` or `crb up` (`init_secret_key`), and only read here.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from crb.ratelimits import rules_from

DEFAULT_STRIPE_API_BASE = "https://api.stripe.com"
DEFAULT_POSTMARK_API_BASE = "https://api.postmarkapp.com"
DEFAULT_CHROMIUM_PATHS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
SECRET_KEY_FILE = "secret.key"  # in DATA_DIR, when SECRET_KEY is unset: made by `crb init` and `crb up`


_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable and the fix."""


@dataclass(frozen=True)
class Secret:
    """A secret string that never shows itself in a repr or a log line."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


@dataclass(frozen=True)
class Tier:
    id: str
    name: str
    amount: int  # minor units (cents)
    currency: str


@dataclass(frozen=True)
class Seller:
    """Who sells: on the imprint, in the privacy notice (the controller) and the terms, in every email's footer
    and on the report's last page. Required with a live Stripe key (`SELLER_*`, `SUPPORT_EMAIL`)."""

    legal_name: str | None = None  # the business's registered name; unset, the product's name stands in
    address: str | None = None  # as printed; a newline (or a literal \n, as a .env line holds it) ends a line
    vat_id: str | None = None
    support_email: str | None = None

    @property
    def missing(self) -> tuple[str, ...]:
        """The variables a business that sells for real must set, of those still unset."""
        unset = {
            "SELLER_NAME": self.legal_name is None,
            "SELLER_ADDRESS": self.address is None,
            "SELLER_VAT_ID": self.vat_id is None,
            "SUPPORT_EMAIL": self.support_email is None,
        }
        return tuple(name for name, is_unset in unset.items() if is_unset)

    @property
    def name(self) -> str:
        return self.legal_name or "CRB Analyser"

    @property
    def address_lines(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in (self.address or "").replace("\\n", "\n").splitlines() if line.strip())


DEFAULT_TIERS = (
    Tier("report", "CRB Report", 14700, "eur"),
    Tier("report_call", "CRB Report + Strategy Call", 49700, "eur"),
)


@dataclass(frozen=True)
class SiteSettings:
    """What the static site build and the offline commands (`crb quiz`, `analyse`, `report`) read.

    No secret: `make site` runs before `crb up` has made one. Each field has its name and value in `Settings`.
    """

    tiers: tuple[Tier, ...] = DEFAULT_TIERS
    checkout_expiry_minutes: int = 60
    call_booking_url: str | None = None
    seller: Seller = Seller()
    # How prices are stated: Stripe Tax works the VAT out at checkout from the buyer's address (automatic), else
    # the amounts are VAT-inclusive or exclusive as configured; either way every page and email says which.
    stripe_automatic_tax: bool = False
    prices_include_vat: bool = True
    # Abandoned checkouts: ask for promotional consent, and email one recovery link to those who gave it (the
    # privacy notice says how long such a session is kept).
    checkout_recovery: bool = False
    chromium_path: str | None = None  # for the sample report's previews and `crb report`, printing in-process
    renderer_job_timeout_s: float = 30.0  # the deadline of an in-process print, as in the renderer service

    def tier(self, tier_id: str) -> Tier | None:
        return _tier(self.tiers, tier_id)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SiteSettings:
        return _site(_env(environ))


@dataclass(frozen=True)
class RendererSettings:
    """What the renderer service reads: its address, its bearer token and its Chromium pool's limits.

    Stripe, the database and the rest are none of its business. Each field has its name and value in
    `Settings` (`Settings.renderer` is this view), so the worker's client and the renderer agree on the token.
    """

    renderer_token: Secret
    renderer_host: str = "127.0.0.1"
    renderer_port: int = 8090
    chromium_path: str | None = None
    # Pooled Chromium pages, the queue, the deadline and recycling (see renderer/pool.py).
    renderer_pages: int = field(default_factory=lambda: os.cpu_count() or 1)
    renderer_max_queue: int = 32
    renderer_job_timeout_s: float = 30.0
    renderer_max_body_bytes: int = 5 * 1024 * 1024
    renderer_recycle_pages_after: int = 50
    renderer_restart_after_jobs: int = 500

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RendererSettings:
        """The renderer's settings; the secret key is read only to derive RENDERER_TOKEN when it is unset."""
        return _renderer(_env(environ), secret_key=None)


@dataclass(frozen=True)
class Settings:
    """The edge's and the worker's settings: every variable. `renderer` and `site` are the other views of them."""

    data_dir: Path
    secret_key: Secret
    database_url: str | None = None
    redis_url: str | None = None
    public_base_url: str = "http://127.0.0.1:8080"
    site_url: str = "http://127.0.0.1:8080"
    stripe_secret_key: Secret | None = None
    stripe_webhook_secrets: tuple[Secret, ...] = ()
    stripe_api_base: str = DEFAULT_STRIPE_API_BASE
    stripe_webhook_tolerance: int = 300
    checkout_expiry_minutes: int = 60
    postmark_server_token: Secret | None = None
    postmark_api_base: str = DEFAULT_POSTMARK_API_BASE
    postmark_account_token: Secret | None = None  # only `crb doctor` uses it, to check the sender signature
    email_from: str = "CRB Analyser <reports@crb-analyser.local>"
    supabase_url: str | None = None
    supabase_service_key: Secret | None = None
    renderer_url: str = "http://127.0.0.1:8090"
    renderer_token: Secret = field(default_factory=lambda: Secret(""))
    admin_token: Secret | None = None
    chromium_path: str | None = None
    edge_host: str = "127.0.0.1"
    edge_port: int = 8080
    renderer_host: str = "127.0.0.1"
    renderer_port: int = 8090
    # The renderer service: pooled Chromium pages, its queue, deadline and recycling (see renderer/pool.py).
    renderer_pages: int = field(default_factory=lambda: os.cpu_count() or 1)
    renderer_max_queue: int = 32
    renderer_job_timeout_s: float = 30.0
    renderer_max_body_bytes: int = 5 * 1024 * 1024
    renderer_recycle_pages_after: int = 50
    renderer_restart_after_jobs: int = 500
    tiers: tuple[Tier, ...] = DEFAULT_TIERS
    queue_name: str = "arq:queue"
    call_booking_url: str | None = None  # where buyers of the edition with a strategy call book it
    seller: Seller = Seller()
    stripe_automatic_tax: bool = False
    prices_include_vat: bool = True
    operator_email: str | None = None  # disputes and other alerts for whoever runs the business
    # Abandoned checkouts: ask for promotional consent, and email one recovery link to those who gave it.
    checkout_recovery: bool = False
    # The edge's rate limits (crb.ratelimits): overrides of the defaults by name; None turns them all off.
    rate_limits: Mapping[str, str] | None = field(default_factory=dict)
    # Proxies whose X-Forwarded-For the edge believes, to find the client's address (a CDN, a load balancer).
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @property
    def offline_payments(self) -> bool:
        """No Stripe key: the edge's offline checkout page stands in for Stripe Checkout."""
        return self.stripe_secret_key is None

    def tier(self, tier_id: str) -> Tier | None:
        return _tier(self.tiers, tier_id)

    @property
    def renderer(self) -> RendererSettings:
        """The renderer service's view of these settings."""
        return _view(RendererSettings, self)

    @property
    def site(self) -> SiteSettings:
        """The site build's view of these settings."""
        return _view(SiteSettings, self)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build the settings from the environment (and `.env` values already merged into it)."""
        env = _env(environ)
        data_dir = _data_dir(env)
        stripe_key = env.secret("STRIPE_SECRET_KEY")
        webhook_secrets = tuple(
            Secret(s.strip()) for s in (env.text("STRIPE_WEBHOOK_SECRET") or "").split(",") if s.strip()
        )
        if stripe_key and not webhook_secrets:
            raise ConfigError(
                "STRIPE_WEBHOOK_SECRET is not set but STRIPE_SECRET_KEY is: set it to the endpoint's signing "
                "secret (whsec_..., from the Stripe dashboard or `stripe listen`); several may be given, "
                "comma-separated, while rotating"
            )
        if stripe_key and "_live_" in stripe_key.value and env.secret("SECRET_KEY") is None:
            # Each machine would make its own key file: links the worker signs would not open on the edge.
            raise ConfigError(
                "SECRET_KEY is not set but a live STRIPE_SECRET_KEY is: set it to the same long random value "
                "(e.g. `openssl rand -hex 32`) for the edge, the worker and the renderer"
            )
        site = _site(env)
        if stripe_key and "_live_" in stripe_key.value and site.seller.missing:
            raise ConfigError(
                f"{_listed(site.seller.missing)} not set but a live STRIPE_SECRET_KEY is: a business buyer's "
                "invoice, the imprint and every email name the seller; set them (SELLER_ADDRESS may hold newlines)"
            )
        secret_key = _secret_key(env, data_dir)
        if not stripe_key and not webhook_secrets:
            webhook_secrets = (Secret("whsec_offline_" + _derive(secret_key, "stripe-offline-webhook")),)
        supabase_url = env.url("SUPABASE_URL")
        supabase_key = env.secret("SUPABASE_SERVICE_KEY")
        if supabase_url and not supabase_key:
            raise ConfigError("SUPABASE_SERVICE_KEY is not set but SUPABASE_URL is: set the service-role key")
        renderer = _renderer(env, secret_key)
        # The renderer's and the site's fields, as their views read them: same names, same values.
        views = _values(site) | _values(renderer)
        edge_port = env.port("EDGE_PORT", 8080)
        public = env.url("PUBLIC_BASE_URL") or f"http://127.0.0.1:{edge_port}"
        return cls(
            data_dir=data_dir,
            secret_key=secret_key,
            database_url=env.text("DATABASE_URL"),
            redis_url=env.text("REDIS_URL"),
            public_base_url=public,
            site_url=env.url("SITE_URL") or public,
            stripe_secret_key=stripe_key,
            stripe_webhook_secrets=webhook_secrets,
            stripe_api_base=env.url("STRIPE_API_BASE") or DEFAULT_STRIPE_API_BASE,
            postmark_server_token=env.secret("POSTMARK_SERVER_TOKEN"),
            postmark_api_base=env.url("POSTMARK_API_BASE") or DEFAULT_POSTMARK_API_BASE,
            postmark_account_token=env.secret("POSTMARK_ACCOUNT_TOKEN"),
            email_from=env.text("EMAIL_FROM") or "CRB Analyser <reports@crb-analyser.local>",
            supabase_url=supabase_url,
            supabase_service_key=supabase_key,
            renderer_url=env.url("RENDERER_URL") or f"http://127.0.0.1:{renderer.renderer_port}",
            admin_token=env.secret("ADMIN_TOKEN"),
            edge_host=env.text("EDGE_HOST") or "127.0.0.1",
            edge_port=edge_port,
            rate_limits=env.rate_limits("RATE_LIMITS"),
            trusted_proxies=env.networks("TRUSTED_PROXIES"),
            operator_email=env.email("OPERATOR_EMAIL") or site.seller.support_email,
            **views,
        )


def _site(env: _Env) -> SiteSettings:
    return SiteSettings(
        tiers=env.tiers("TIERS") or DEFAULT_TIERS,
        checkout_expiry_minutes=env.int_range("CHECKOUT_EXPIRY_MINUTES", 60, 30, 24 * 60),
        call_booking_url=env.url("CALL_BOOKING_URL"),
        seller=Seller(
            legal_name=env.text("SELLER_NAME"),
            address=env.text("SELLER_ADDRESS"),
            vat_id=env.text("SELLER_VAT_ID"),
            support_email=env.email("SUPPORT_EMAIL"),
        ),
        stripe_automatic_tax=env.flag("STRIPE_AUTOMATIC_TAX", False),
        prices_include_vat=env.flag("PRICES_INCLUDE_VAT", True),
        checkout_recovery=env.flag("CHECKOUT_RECOVERY", False),
        chromium_path=_chromium(env),
        renderer_job_timeout_s=_job_timeout(env),
    )


def _renderer(env: _Env, secret_key: Secret | None) -> RendererSettings:
    token = env.secret("RENDERER_TOKEN")
    if token is None:
        if secret_key is None:
            secret_key = _secret_key(env, _data_dir(env), "; or set RENDERER_TOKEN, the token the worker sends")
        token = Secret(_derive(secret_key, "renderer-token"))  # as the worker's client (Settings) derives it
    return RendererSettings(
        renderer_token=token,
        renderer_host=env.text("RENDERER_HOST") or "127.0.0.1",
        renderer_port=env.port("RENDERER_PORT", 8090),
        chromium_path=_chromium(env),
        renderer_pages=env.int_range("RENDERER_PAGES", os.cpu_count() or 1, 1, 64),
        renderer_max_queue=env.int_range("RENDERER_MAX_QUEUE", 32, 0, 10_000),
        renderer_job_timeout_s=_job_timeout(env),
        renderer_max_body_bytes=env.int_range("RENDERER_MAX_BODY_BYTES", 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
        renderer_recycle_pages_after=env.int_range("RENDERER_RECYCLE_PAGES_AFTER", 50, 1, 1_000_000),
        renderer_restart_after_jobs=env.int_range("RENDERER_RESTART_AFTER_JOBS", 500, 1, 1_000_000),
    )


def _listed(names: tuple[str, ...]) -> str:
    return names[0] + " is" if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]} are"


def _data_dir(env: _Env) -> Path:
    return Path(env.text("DATA_DIR") or ".data").resolve()


def _chromium(env: _Env) -> str | None:
    return env.text("CHROMIUM_PATH") or _find_chromium()


def _job_timeout(env: _Env) -> int:
    return env.int_range("RENDERER_JOB_TIMEOUT_S", 30, 1, 600)


def _secret_key(env: _Env, data_dir: Path, alternative: str = "") -> Secret:
    """SECRET_KEY, else the key `crb init` or `crb up` left in DATA_DIR/secret.key: read, never made, here."""
    key = env.secret("SECRET_KEY")
    if key is not None:
        return key
    path = data_dir / SECRET_KEY_FILE
    try:
        value, problem = path.read_text().strip(), f"{path} is empty"
    except FileNotFoundError:
        value, problem = "", f"{path} does not exist"
    except OSError as e:
        value, problem = "", f"{path} cannot be read ({e.strerror})"
    if value:
        return Secret(value)
    raise ConfigError(
        f"SECRET_KEY is not set and {problem}: run `crb init` (or `make run`), which creates DATA_DIR/secret.key, "
        "or set SECRET_KEY to a long random value (e.g. `openssl rand -hex 32`), the same for the edge, the worker "
        f"and the renderer{alternative}"
    )


def _tier(tiers: tuple[Tier, ...], tier_id: str) -> Tier | None:
    return next((t for t in tiers if t.id == tier_id), None)


_View = TypeVar("_View", RendererSettings, SiteSettings)


def _view(cls: type[_View], settings: Settings) -> _View:
    return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})


def _values(view: RendererSettings | SiteSettings) -> dict[str, Any]:
    return {f.name: getattr(view, f.name) for f in fields(view)}


class _Env:
    """Typed reads of environment variables; every error names the variable."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def text(self, name: str) -> str | None:
        value = self._environ.get(name, "").strip()
        return value or None

    def secret(self, name: str) -> Secret | None:
        value = self.text(name)
        return Secret(value) if value else None

    def url(self, name: str) -> str | None:
        value = self.text(name)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"{name}={value!r} is not an http(s) URL: set it like https://example.com")
        return value.rstrip("/")

    def flag(self, name: str, default: bool) -> bool:
        value = self.text(name)
        if value is None:
            return default
        if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise ConfigError(f"{name}={value!r} is not a flag: set it to true or false")
        return value.lower() in ("true", "1", "yes")

    def email(self, name: str) -> str | None:
        value = self.text(name)
        if value is not None and not _EMAIL.fullmatch(value):
            raise ConfigError(f"{name}={value!r} is not an email address: set it like support@example.com")
        return value

    def port(self, name: str, default: int) -> int:
        return self.int_range(name, default, 1, 65535)

    def tiers(self, name: str) -> tuple[Tier, ...] | None:
        value = self.text(name)
        return _parse_tiers(name, value) if value else None

    def rate_limits(self, name: str) -> Mapping[str, str] | None:
        """`off`, or a JSON object of overrides: {"create_session": "address=10/minute"} (crb.ratelimits)."""
        value = self.text(name)
        if value is None:
            return {}
        if value == "off":
            return None
        example = '{"create_session": "address=60/minute;600/hour", "checkout": "session=5/hour"}'
        try:
            raw = json.loads(value)
            overrides = {str(k): str(v) for k, v in raw.items()}
            rules_from(overrides)
        except (ValueError, AttributeError) as e:
            raise ConfigError(f"{name} is not valid ({e}): set it to off or to a JSON object like {example}") from None
        return overrides

    def networks(self, name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """Comma-separated addresses or networks, e.g. `10.0.0.0/8, 2001:db8::/32`."""
        value = self.text(name) or ""
        try:
            return tuple(ipaddress.ip_network(part.strip()) for part in value.split(",") if part.strip())
        except ValueError as e:
            raise ConfigError(f"{name}: {e}; set comma-separated addresses or networks like 10.0.0.0/8") from None

    def int_range(self, name: str, default: int, low: int, high: int) -> int:
        value = self.text(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{name}={value!r} is not a whole number: set it between {low} and {high}") from None
        if not low <= number <= high:
            raise ConfigError(f"{name}={number} is out of range: set it between {low} and {high}")
        return number


def _parse_tiers(name: str, value: str) -> tuple[Tier, ...]:
    """`TIERS` as JSON: [{"id": "report", "name": "CRB Report", "amount": 14700, "currency": "eur"}, ...]."""
    example = '[{"id": "report", "name": "CRB Report", "amount": 14700, "currency": "eur"}]'
    fix = f"set {name} to a JSON list like {example}"
    try:
        raw = json.loads(value)
        tiers = tuple(Tier(str(t["id"]), str(t["name"]), int(t["amount"]), str(t["currency"]).lower()) for t in raw)
    except (ValueError, TypeError, KeyError):
        raise ConfigError(f"{name} is not valid: {fix}") from None
    if not tiers or len({t.id for t in tiers}) != len(tiers) or any(t.amount <= 0 for t in tiers):
        raise ConfigError(f"{name} needs at least one tier, unique ids and positive amounts (in cents): {fix}")
    return tiers


def _env(environ: Mapping[str, str] | None) -> _Env:
    return _Env(_process_environment() if environ is None else environ)


def _process_environment() -> dict[str, str]:
    """The process environment over the optional `.env` file in the working directory."""
    from dotenv import dotenv_values

    from_file = {k: v for k, v in dotenv_values(".env").items() if v is not None}
    return {**from_file, **os.environ}


def _derive(key: Secret, purpose: str) -> str:
    return hmac.new(key.value.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:40]


def _find_chromium() -> str | None:
    return next((p for p in DEFAULT_CHROMIUM_PATHS if Path(p).exists()), None)


@dataclass(frozen=True)
class KeyFile:
    """The local secret key's file, as `init_secret_key` found or made it."""

    path: Path
    created: bool  # False: one was there already, and is kept


def init_secret_key(environ: Mapping[str, str] | None = None) -> KeyFile | None:
    """Make sure every local process finds the same secret key: what `crb init` and `crb up` do.

    None when SECRET_KEY is set: it wins, and no file is needed. Else DATA_DIR/secret.key, kept when it exists,
    else made with a new random key, mode 0600, atomically (linked from a private temporary file: no process
    ever reads half a key, and of two making it at once the first wins).
    """
    env = _env(environ)
    if env.secret("SECRET_KEY") is not None:
        return None
    data_dir = _data_dir(env)
    path = data_dir / SECRET_KEY_FILE
    if path.exists():
        return KeyFile(path, created=False)
    data_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=f".{SECRET_KEY_FILE}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(32))
        os.link(tmp, path)
    except FileExistsError:
        return KeyFile(path, created=False)
    finally:
        os.unlink(tmp)
    return KeyFile(path, created=True)


_Read = TypeVar("_Read")


def service_settings(service: str) -> Settings:
    """What the edge's and the worker's `__main__` start with (see `settings_for`)."""
    return settings_for(service, Settings.from_env)


def settings_for(service: str, read: Callable[[], _Read]) -> _Read:
    """What each service's `__main__` starts with: logging set up, and its settings, or exit naming the problem."""
    from crb import logs

    logs.configure(service)
    try:
        return read()
    except ConfigError as exc:
        raise SystemExit(f"{service}: {exc}") from None
