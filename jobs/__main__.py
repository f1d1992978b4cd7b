"""Runs the arq worker: `python -m jobs`."""

from __future__ import annotations

import logging

from crb import embedded
from crb.settings import ConfigError, Settings
from jobs.worker import create_worker


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        raise SystemExit(f"jobs: {exc}") from None
    redis_url = settings.redis_url or embedded.start_redis(settings.data_dir).url
    create_worker(settings, redis_url).run()


if __name__ == "__main__":
    main()
