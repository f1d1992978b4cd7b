"""Entry point of `python -m renderer`: read the settings, set up logging, serve the app."""

from __future__ import annotations

from aiohttp import web

from crb.settings import RendererSettings, settings_for
from renderer.app import create_app


def main() -> None:
    settings = settings_for("renderer", RendererSettings.from_env)
    web.run_app(create_app(settings), host=settings.renderer_host, port=settings.renderer_port)


if __name__ == "__main__":
    main()
