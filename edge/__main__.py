"""Runs the edge: `python -m edge`."""

from __future__ import annotations

import logging

from aiohttp import web

from crb.settings import ConfigError, Settings
from edge.app import create_app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        raise SystemExit(f"edge: {exc}") from None
    web.run_app(create_app(settings), host=settings.edge_host, port=settings.edge_port, access_log_format="%r %s %Tfs")


if __name__ == "__main__":
    main()
