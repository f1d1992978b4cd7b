"""The outbox relay job: jobs recorded in Postgres reach Redis even if their process died before it could."""

from __future__ import annotations

from typing import Any

from crb import outbox
from jobs.context import deps


async def relay_outbox(ctx: dict[str, Any]) -> int:
    """arq cron (every 30 s, and at start-up): push pending outbox rows to the queue, and the recent ones again
    if Redis lost its data."""
    d = deps(ctx)
    await outbox.replay_if_emptied(d.pool, d.redis, d.settings.queue_name)
    return await outbox.relay(d.pool, d.redis, d.settings.queue_name)
