"""Serves the built static site (site/dist) in development; a CDN serves it in production."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from crb.errors import NotFound

SITE_DIST = Path(__file__).resolve().parent.parent / "site" / "dist"


async def site_file(request: web.Request) -> web.FileResponse:
    """A file of site/dist, `index.html` for a folder; anything else is a JSON 404."""
    root = SITE_DIST.resolve()
    target = (root / request.match_info["path"]).resolve()
    if target.is_dir():
        target = target / "index.html"
    if not target.is_relative_to(root) or not target.is_file():
        raise NotFound(f"nothing at {request.path}")
    return web.FileResponse(target)
