"""`/docs` (Swagger UI) and `/redoc` (ReDoc) from files shipped with Questline.

FastAPI's own pages load their scripts and fonts from public CDNs, so on a server without
internet access (or behind a strict proxy) they stay blank. The files are in
``docs_assets/`` (refreshed by ``scripts/vendor-docs-assets.sh``, versions in its
``VERSIONS``) and served under ``/docs/assets/``; the pages ask nothing of any other host.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS = Path(__file__).with_name("docs_assets")
ASSETS_PATH = "/docs/assets"


def install(app: FastAPI) -> None:
    """Serve the two pages and their assets. The app must be built with
    ``docs_url=None, redoc_url=None`` so FastAPI adds no CDN-loading pages of its own."""
    title = f"{app.title} API"
    openapi_url = app.openapi_url or "/openapi.json"

    swagger_page = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
        # Swagger UI would otherwise send the schema to validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    ).body
    redoc_page = get_redoc_html(
        openapi_url=openapi_url,
        title=title,
        redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
        with_google_fonts=False,
    ).body

    def swagger_ui(_request: Request) -> HTMLResponse:
        return HTMLResponse(swagger_page)

    def redoc(_request: Request) -> HTMLResponse:
        return HTMLResponse(redoc_page)

    app.add_route("/docs", swagger_ui, include_in_schema=False)
    app.add_route("/redoc", redoc, include_in_schema=False)
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS), name="docs-assets")
