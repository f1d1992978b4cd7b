"""Entry point of `python -m renderer`: read the settings, set up logging, serve the app."""

from __future__ import annotations

from aiohttp import web

from crb.settings import service_settings
from renderer.app import create_app


def main() -> None:
    settings = service_settings("renderer")
    web.run_app(create_app(settings), host=settings.renderer_host, port=settings.renderer_port)


if __name__ == "__main__":
    main()
