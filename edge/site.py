"""Serves the built static site (site/dist) in development; a CDN serves it in production."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from crb.errors import NotFound

SITE_DIST = Path(__file__).resolve().parent.parent / "site" / "dist"


async def site_file(request: web.Request) -> web.StreamResponse:
    """A file of site/dist, `index.html` for a folder; else the site's 404 page (JSON under /api/)."""
    root = SITE_DIST.resolve()
    target = _within(root, request.match_info["path"])
    if target is not None:
        return web.FileResponse(target)
    not_found = root / "404.html"
    if request.path.startswith("/api/") or not not_found.is_file():
        raise NotFound(f"nothing at {request.path}")
    return web.FileResponse(not_found, status=404)


def _within(root: Path, path: str) -> Path | None:
    """The file `path` names under `root`, if there is one there."""
    try:
        target = (root / path).resolve()
    except (ValueError, OSError, RuntimeError):  # a NUL in the path, a symlink loop: nothing a site holds
        return None
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_relative_to(root) and target.is_file() else None
