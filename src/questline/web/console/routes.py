"""The web console at /console: its routers, its files, and its error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import Response

from questline.errors import NotFound
from questline.web.console import (
    admin_routes,
    auth_routes,
    board_routes,
    catalog_routes,
    design_routes,
    overview_routes,
    pages,
    player_routes,
    settings_routes,
    webhook_routes,
)

router = APIRouter(prefix=pages.PREFIX, include_in_schema=False)

_STATIC_DIR = Path(__file__).parent / "static"
# Small files, read once at import: served from memory, never from disk while a request waits.
_STATIC = {path.name: path.read_bytes() for path in sorted(_STATIC_DIR.iterdir()) if path.is_file()}
_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


@router.get("/static/{name}")
async def static_file(name: str) -> Response:
    # async: served from memory, no I/O.
    body = _STATIC.get(name)
    if body is None:
        raise NotFound(f"no file '{name}'")
    return Response(
        body,
        media_type=_TYPES.get(Path(name).suffix, "application/octet-stream"),
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


def install(app: FastAPI) -> None:
    """Add the console's pages (after the problem handlers, which its error pages wrap)."""
    for module in (
        auth_routes,
        overview_routes,
        design_routes,
        player_routes,
        catalog_routes,
        board_routes,
        admin_routes,
        webhook_routes,
        settings_routes,
    ):
        app.include_router(module.router)
    app.include_router(router)
    pages.install(app)
