"""The outbox relay job: jobs recorded in Postgres reach Redis even if their process died before it could."""

from __future__ import annotations

from typing import Any

from crb import outbox
from jobs.context import deps


async def relay_outbox(ctx: dict[str, Any]) -> int:
    """arq cron: push pending outbox rows to the queue."""
    d = deps(ctx)
    return await outbox.relay(d.pool, d.redis, d.settings.queue_name)
