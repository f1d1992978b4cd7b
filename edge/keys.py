"""Typed application keys for what the edge's handlers share (aiohttp's "no singletons")."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from arq.connections import ArqRedis

from crb.batching import Batcher
from crb.db import Pool
from crb.fulfilment import Payment
from crb.outbox import Relay
from crb.payments import PaymentGateway
from crb.ratelimits import Limiter
from crb.settings import Settings
from crb.storage import ReportStore

if TYPE_CHECKING:  # edge.metrics reads these keys
    from edge.metrics import EdgeMetrics

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", Pool)
ARQ = web.AppKey("arq", ArqRedis)
GATEWAY = web.AppKey("gateway", PaymentGateway)
STORE = web.AppKey("store", ReportStore)
HTTP = web.AppKey("http", aiohttp.ClientSession)
RELAY = web.AppKey("relay", Relay)
REDIS_URL = web.AppKey("redis_url", str)  # the Redis the edge uses (configured, or the embedded one)
LIMITER = web.AppKey("limiter", Limiter)  # absent when rate limits are off
METRICS: web.AppKey[EdgeMetrics] = web.AppKey("metrics")
PAYMENTS: web.AppKey[Batcher[Payment, str]] = web.AppKey("payments")  # paid checkout events, fulfilled in batches
