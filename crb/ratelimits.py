"""How often one client may do what: limits per client address and per quiz session, shared by every edge
process through Redis (the `limits` library's moving window: exact, never more than N in any window's length,
however the requests fall on the clock; one sorted set per key, atomic in Redis).

Why `limits`: a well-kept library with async Redis storage over redis-py (which arq already brings), exact
windows without a script of our own, and the limits written as readable strings ("60/minute;600/hour").
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

import redis.asyncio as aioredis
from limits import RateLimitItem, parse_many
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

Scope = Literal["address", "session", "report"]
MAX_REFUSED = 10_000  # refused clients remembered per process before the expired ones are dropped


@dataclass(frozen=True)
class Rule:
    scope: Scope  # whose count it is: the client's address, the quiz session in the path, or the report
    limits: str  # e.g. "60/minute;600/hour" (https://limits.readthedocs.io/en/stable/quickstart.html#notation)


# The defaults: far above what a customer does (a quiz is about 20 saves and one completion; checkout a few
# times at most), far below a script's burst. An office behind one address is many customers: the address
# limits are generous, the session limits tight.
DEFAULT_RULES: Final[Mapping[str, tuple[Rule, ...]]] = MappingProxyType(
    {
        "create_session": (Rule("address", "60/minute;600/hour"),),
        "save_answers": (Rule("address", "600/minute"), Rule("session", "120/minute")),
        "complete": (Rule("address", "120/minute"), Rule("session", "10/minute")),
        # Each one is a Checkout Session at Stripe: beyond this the open one is offered again (edge.checkout).
        "checkout": (Rule("address", "30/hour"), Rule("session", "5/hour")),
        "offline_checkout": (Rule("address", "120/minute"),),
        # The waiting page of a PDF being printed again looks every 5 s: 12 a minute for as long as it takes.
        "download": (Rule("address", "60/minute"), Rule("report", "120/hour")),
        "unsubscribe": (Rule("address", "30/minute"),),
    }
)


class RateLimited(Exception):
    def __init__(self, name: str, retry_after_s: int) -> None:
        super().__init__(f"too many requests in a short time ({name}); please retry in {retry_after_s} s")
        self.name = name
        self.retry_after_s = retry_after_s


def rules_from(overrides: Mapping[str, str]) -> dict[str, tuple[Rule, ...]]:
    """The defaults with some limits replaced: `{"create_session": "address=10/minute", "checkout":
    "address=30/hour,session=5/hour"}`; a rule's value "off" turns it off. ValueError names what is wrong."""
    rules = dict(DEFAULT_RULES)
    for name, text in overrides.items():
        if name not in rules:
            raise ValueError(f"no rate limit named {name!r}; choose among {sorted(rules)}")
        rules[name] = () if text.strip() == "off" else tuple(_rule(name, part) for part in text.split(","))
    return rules


def _rule(name: str, text: str) -> Rule:
    scope, _, limits = text.strip().partition("=")
    if scope not in ("address", "session", "report") or not limits:
        raise ValueError(f"rate limit {name}: {text!r} is not scope=limits, e.g. address=60/minute;600/hour")
    try:
        parse_many(limits)
    except ValueError:
        raise ValueError(f"rate limit {name}: {limits!r} is not like 60/minute;600/hour") from None
    return Rule(scope, limits)  # type: ignore[arg-type]  # checked just above


def storage_uri(redis_url: str) -> str:
    """The `limits` storage URI for a Redis URL (TCP or, as the embedded one, a Unix socket)."""
    if redis_url.startswith("unix://"):
        return "async+redis+unix://" + redis_url.removeprefix("unix://")
    return "async+" + redis_url


class Limiter:
    """Counts each rule's hits in Redis. Redis away: everything passes (logged), so a Redis outage never turns
    into refusing customers; the edge's health says Redis is down."""

    def __init__(self, redis_url: str, rules: Mapping[str, tuple[Rule, ...]], key_prefix: str) -> None:
        # The pool is ours, so that closing the edge closes its connections (`limits` has no close of its own).
        self._pool = aioredis.ConnectionPool.from_url(redis_url)
        self._storage = RedisStorage(
            storage_uri(redis_url),
            implementation="redispy",
            key_prefix=key_prefix,
            connection_pool=self._pool,  # type: ignore[arg-type]  # documented, typed too narrowly
        )
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._rules = {
            name: [(r.scope, item) for r in rs for item in parse_many(r.limits)] for name, rs in rules.items()
        }
        # Refused until then, by (name, scope, key): a client past its limit is refused here, without asking
        # Redis, until its window has room again (each other process learns it from Redis once).
        self._refused: dict[tuple[str, str, str], float] = {}

    async def close(self) -> None:
        await self._pool.aclose()

    async def hit(self, name: str, keys: Mapping[Scope, str]) -> None:
        """Count one request under `name` for each scope it has a key for; RateLimited past any limit."""
        now = time.time()
        for scope, key in keys.items():
            until = self._refused.get((name, scope, key))
            if until is not None and until > now:
                raise RateLimited(name, max(1, math.ceil(until - now)))
        for scope, item in self._rules.get(name, ()):
            whose = keys.get(scope)
            if whose is None:
                continue
            try:
                if not await self._limiter.hit(item, name, scope, whose):
                    raise RateLimited(name, await self._refuse(item, name, scope, whose))
            except RateLimited:
                raise
            except Exception as e:  # Redis away or broken: let the request through
                log.warning("rate limit %s not checked (Redis: %r); letting the request through", name, e)
                return

    async def _refuse(self, item: RateLimitItem, name: str, scope: str, key: str) -> int:
        """Seconds until the window has room again; refused here until then."""
        stats = await self._limiter.get_window_stats(item, name, scope, key)
        now = time.time()
        if len(self._refused) >= MAX_REFUSED:  # many clients at once: keep only those still refused
            self._refused = {k: until for k, until in self._refused.items() if until > now}
        self._refused[(name, scope, key)] = max(stats.reset_time, now + 1)
        return max(1, math.ceil(stats.reset_time - now))


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy, then the last address in
    X-Forwarded-For that is not one (proxies append, so the entries before a trusted one can be forged)."""
    networks = tuple(trusted)
    chain = [peer or "unknown"]
    if forwarded_for and networks:
        chain = [part.strip() for part in forwarded_for.split(",") if part.strip()] + chain
    for address in reversed(chain):
        if not _within(address, networks):
            return address
    return chain[0]


def _within(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)
