"""Runs the edge: `python -m edge`."""

from __future__ import annotations

import logging

from aiohttp import web

from crb.settings import Settings

from edge.app import create_app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    web.run_app(create_app(settings), host="0.0.0.0", port=settings.edge_port, access_log_format='%r %s %Tfs')


if __name__ == "__main__":
    main()
