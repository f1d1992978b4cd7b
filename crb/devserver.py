"""`crb up` (make run): local Postgres and Redis when no URL is set, migrations, then every service under honcho."""

from __future__ import annotations

import asyncio
import sys

from honcho.manager import Manager

from crb import embedded
from crb.migrate import migrate
from crb.settings import Settings

SERVICES = ("edge", "renderer", "jobs")


def run_all(settings: Settings, environ: dict[str, str]) -> int:
    """Run the whole product in the foreground until Ctrl-C; embedded servers stop with it."""
    env = dict(environ)
    env["DATA_DIR"] = str(settings.data_dir)
    local_redis = None
    if not settings.database_url:
        env["DATABASE_URL"] = embedded.postgres_url(settings.data_dir)
    if not settings.redis_url:
        local_redis = embedded.start_redis(settings.data_dir)
        env["REDIS_URL"] = local_redis.url
    applied = asyncio.run(migrate(env["DATABASE_URL"]))
    print(f"migrations: {len(applied)} applied", flush=True)
    _print_banner(settings)
    manager = Manager()
    for name in SERVICES:  # each under crb.keepalive: one that dies starts again, the others go on
        manager.add_process(name, f"{sys.executable} -m crb.keepalive {name}", env=env)
    try:
        manager.loop()
    finally:
        if local_redis is not None:
            local_redis.stop()
    return int(manager.returncode or 0)


def _print_banner(settings: Settings) -> None:
    base = settings.public_base_url
    lines = [
        "CRB Analyser is starting:",
        f"  site      {settings.site_url}/  <- open this in a browser to take the quiz",
        f"  edge      {base}  (API under {base}/api/, health {base}/healthz)",
        f"  renderer  {settings.renderer_url}",
        f"  payments  {'offline checkout page (no STRIPE_SECRET_KEY)' if settings.offline_payments else 'Stripe'}",
        f"  email     {'Postmark' if settings.postmark_server_token else settings.data_dir / 'outbox'}",
        f"  storage   {'Supabase Storage' if settings.supabase_url else settings.data_dir / 'storage'}",
        "  the README walks through the whole flow with curl; Ctrl-C stops everything",
    ]
    print("\n".join(lines), flush=True)
