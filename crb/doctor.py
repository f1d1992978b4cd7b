"""`crb doctor`: checks the live configuration against the real services and says what is wrong, in plain words."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
import asyncpg
import httpx
import stripe
from arq import create_pool
from arq.connections import RedisSettings

from crb import embedded
from crb.assessment.assumptions import CALL_MINUTES
from crb.migrate import MIGRATIONS_DIR, discover
from crb.settings import Settings

TIMEOUT_S = 10
WEBHOOK_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.payment_failed",
    "charge.refunded",
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
)


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.check:<10} {self.detail}"


Check = Callable[[Settings], Awaitable[Finding]]


async def run_checks(settings: Settings) -> list[Finding]:
    """Every check, each with its own timeout; one failing never hides another."""
    checks: list[Check] = [postgres, redis, renderer, stripe_account, postmark, supabase, strategy_call, seller]
    return list(await asyncio.gather(*(_guarded(c, settings) for c in checks)))


async def _guarded(check: Check, settings: Settings) -> Finding:
    name = check.__name__.removesuffix("_account")
    try:
        return await asyncio.wait_for(check(settings), TIMEOUT_S)
    except TimeoutError:
        return Finding(name, False, f"no answer within {TIMEOUT_S} s")
    except Exception as e:  # the point of a doctor: report, never crash
        return Finding(name, False, f"{type(e).__name__}: {e}")


async def strategy_call(settings: Settings) -> Finding:
    """An edition with a strategy call needs CALL_BOOKING_URL once money is taken: its buyers book the call there."""
    with_call = [t.name for t in settings.tiers if t.id in CALL_MINUTES]
    if not with_call:
        return Finding("call", True, "no edition includes a strategy call")
    if settings.call_booking_url:
        return Finding("call", True, f"{', '.join(with_call)}: booked at {settings.call_booking_url}")
    if settings.offline_payments:
        return Finding("call", True, f"{', '.join(with_call)}: booked by reply (set CALL_BOOKING_URL before selling)")
    return Finding(
        "call",
        False,
        f"{', '.join(with_call)} includes a strategy call but CALL_BOOKING_URL is unset: set it to the booking"
        " page (a Cal.com or Calendly link) its buyers are sent to",
    )


async def seller(settings: Settings) -> Finding:
    """Who sells, as invoices, the imprint and every email name them; and who hears of disputes."""
    missing = settings.seller.missing
    if settings.stripe_secret_key is None or (not missing and settings.operator_email):
        unset = f" ({', '.join(missing)} unset: set them before selling)" if missing else ""
        return Finding("seller", True, f"{settings.seller.name}{unset}")
    problems = [f"{', '.join(missing)} unset (required with a live key)"] if missing else []
    if settings.operator_email is None:
        problems.append("OPERATOR_EMAIL (or SUPPORT_EMAIL) unset: dispute alerts would reach nobody")
    return Finding("seller", False, "; ".join(problems))


async def postgres(settings: Settings) -> Finding:
    url = settings.database_url or await asyncio.to_thread(embedded.postgres_url, settings.data_dir)
    conn = await asyncpg.connect(url, timeout=TIMEOUT_S)
    try:
        applied: set[str] = set()
        if await conn.fetchval("select to_regclass('supabase_migrations.schema_migrations') is not null"):
            applied = {
                r["version"] for r in await conn.fetch("select version from supabase_migrations.schema_migrations")
            }
    finally:
        await conn.close()
    pending = [m.version for m in discover(MIGRATIONS_DIR) if m.version not in applied]
    if pending:
        return Finding("postgres", False, f"reachable, but {len(pending)} migration(s) pending: run `crb migrate`")
    return Finding("postgres", True, f"reachable, schema up to date ({len(applied)} migrations)")


async def redis(settings: Settings) -> Finding:
    if not settings.redis_url:
        return Finding("redis", True, "REDIS_URL unset: the embedded Redis under DATA_DIR is used")
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        await pool.ping()
    finally:
        await pool.aclose()
    return Finding("redis", True, "reachable")


async def renderer(settings: Settings) -> Finding:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)) as http:
        try:
            async with http.get(settings.renderer_url + "/healthz") as response:
                body = await response.json()
        except (aiohttp.ClientError, OSError) as e:
            return Finding(
                "renderer", False, f"unreachable at {settings.renderer_url}: start `python -m renderer` ({e})"
            )
    if not body.get("browser"):
        return Finding("renderer", False, "answers, but its Chromium is not connected: check CHROMIUM_PATH")
    return Finding("renderer", True, f"up at {settings.renderer_url}, browser connected")


async def stripe_account(settings: Settings) -> Finding:
    if settings.stripe_secret_key is None:
        return Finding("stripe", True, "STRIPE_SECRET_KEY unset: the offline checkout page stands in")
    http = stripe.AIOHTTPClient(timeout=TIMEOUT_S)
    client = stripe.StripeClient(
        settings.stripe_secret_key.value, base_addresses={"api": settings.stripe_api_base}, http_client=http
    )
    try:
        endpoints = await client.v1.webhook_endpoints.list_async({"limit": 100})
    except stripe.AuthenticationError:
        return Finding("stripe", False, "the secret key was refused: check STRIPE_SECRET_KEY")
    finally:
        await http.close_async()  # type: ignore[no-untyped-call]
    url = settings.public_base_url + "/api/payments/webhook"
    mine = [e for e in endpoints.data if e.url == url]
    if not mine:
        return Finding("stripe", False, f"key valid, but no webhook endpoint for {url}: add one (see README)")
    endpoint = mine[0]
    enabled = set(endpoint.enabled_events)
    missing = [] if "*" in enabled else [e for e in WEBHOOK_EVENTS if e not in enabled]
    if endpoint.status != "enabled":
        return Finding("stripe", False, f"the webhook endpoint for {url} is {endpoint.status}: enable it")
    if missing:
        return Finding("stripe", False, f"the webhook endpoint for {url} lacks events: {', '.join(missing)}")
    # Events come in the endpoint's API version (or the account's default, when it has none): the shape this SDK
    # reads is its own version's (https://docs.stripe.com/webhooks/versioning).
    if endpoint.api_version != stripe.api_version:
        has = f"API version {endpoint.api_version}" if endpoint.api_version else "the account's default API version"
        return Finding(
            "stripe",
            False,
            f"the webhook endpoint for {url} sends events in {has}, this SDK reads {stripe.api_version}: make an "
            f"endpoint with api_version={stripe.api_version} (see README) and use its signing secret",
        )
    return Finding(
        "stripe", True, f"key valid; webhook endpoint {url} has every needed event, API {stripe.api_version}"
    )


async def postmark(settings: Settings) -> Finding:
    if settings.postmark_server_token is None:
        return Finding("postmark", True, f"POSTMARK_SERVER_TOKEN unset: emails go to {settings.data_dir / 'outbox'}")
    headers = {"Accept": "application/json", "X-Postmark-Server-Token": settings.postmark_server_token.value}
    async with httpx.AsyncClient(base_url=settings.postmark_api_base, timeout=TIMEOUT_S) as http:
        server = await http.get("/server", headers=headers)
        if server.status_code == 401:
            return Finding("postmark", False, "the server token was refused: check POSTMARK_SERVER_TOKEN")
        server.raise_for_status()
        sender = _address(settings.email_from)
        if settings.postmark_account_token is None:
            name = server.json().get("Name")
            return Finding(
                "postmark", True, f"server token valid ({name}); set POSTMARK_ACCOUNT_TOKEN to check the sender"
            )
        account = {"Accept": "application/json", "X-Postmark-Account-Token": settings.postmark_account_token.value}
        senders = await http.get("/senders", headers=account, params={"count": 500, "offset": 0})
    if senders.status_code != 200:
        return Finding("postmark", False, "the account token was refused: check POSTMARK_ACCOUNT_TOKEN")
    confirmed = {s["EmailAddress"].lower() for s in senders.json().get("SenderSignatures", []) if s.get("Confirmed")}
    domain_ok = any(sender.endswith("@" + s.split("@")[1]) for s in confirmed)
    if sender not in confirmed and not domain_ok:
        return Finding("postmark", False, f"EMAIL_FROM {sender} is not a confirmed sender signature")
    return Finding("postmark", True, f"server token valid; sender {sender} confirmed")


async def supabase(settings: Settings) -> Finding:
    if not settings.supabase_url or settings.supabase_service_key is None:
        return Finding("supabase", True, f"SUPABASE_URL unset: PDFs are kept in {settings.data_dir / 'storage'}")
    key = settings.supabase_service_key.value
    headers = {"apikey": key, "Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=settings.supabase_url, timeout=TIMEOUT_S, headers=headers) as http:
        response = await http.get("/storage/v1/bucket/reports")
    if response.status_code in (400, 404):
        return Finding(
            "supabase", False, "the `reports` bucket does not exist: run `crb migrate` (or supabase db push)"
        )
    if response.status_code in (401, 403):
        return Finding("supabase", False, "the service key was refused: check SUPABASE_SERVICE_KEY")
    response.raise_for_status()
    if response.json().get("public"):
        return Finding("supabase", False, "the `reports` bucket is PUBLIC: anyone could read reports; make it private")
    return Finding("supabase", True, "the private `reports` bucket is there")


def _address(sender: str) -> str:
    return sender.rsplit("<", 1)[-1].rstrip(">").strip().lower()
