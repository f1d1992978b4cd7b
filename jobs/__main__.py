"""Runs the arq worker: `python -m jobs`."""

from __future__ import annotations

from crb import embedded
from crb.settings import service_settings
from jobs.worker import create_worker


def main() -> None:
    settings = service_settings("jobs")
    redis_url = settings.redis_url or embedded.start_redis(settings.data_dir).url
    create_worker(settings, redis_url).run()


if __name__ == "__main__":
    main()
