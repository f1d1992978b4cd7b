"""Runs the edge: `python -m edge`."""

from __future__ import annotations

from aiohttp import web

from crb.settings import service_settings
from edge.access_log import AccessLogger
from edge.app import create_app


def main() -> None:
    settings = service_settings("edge")
    web.run_app(create_app(settings), host=settings.edge_host, port=settings.edge_port, access_log_class=AccessLogger)


if __name__ == "__main__":
    main()
