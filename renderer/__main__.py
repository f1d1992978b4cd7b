"""Entry point of `python -m renderer`: read the settings, set up logging, serve the app."""

from __future__ import annotations

import logging

from aiohttp import web

from crb.settings import ConfigError, Settings
from renderer.app import create_app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        raise SystemExit(f"renderer: {exc}") from None
    web.run_app(create_app(settings), host=settings.renderer_host, port=settings.renderer_port)


if __name__ == "__main__":
    main()
