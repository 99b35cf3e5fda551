"""/play/...: a player's own pages, opened with a player token; /widgets.js for host apps.

A host app's server mints a player token (`POST /v1/players/{id}/token`) and links to
`/play?access_token=…`. The first request moves the token into an HttpOnly cookie and
redirects to the same page without it, so the token never stays in an address bar, a
history or a Referer; later pages and the notification stream send the cookie. A page
shows the token's own player only: there is no player in its path to ask for another.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import jwt
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from questline.api.access import COOKIE_TOKEN, CSRF_FIELD, QUERY_TOKEN
from questline.api.http.context import Context
from questline.api.http.deps import Authorized, ContextDep, ReadSessionDep
from questline.api.http.sessions import SessionRoute
from questline.auth.principals import Principal
from questline.auth.tokens import form_token
from questline.branding import Brand, stylesheet
from questline.engine.mechanics import reading_locale
from questline.errors import NotFound, QuestlineError
from questline.leaderboards.service import CURRENT
from questline.web import service, shop, shop_routes
from questline.web.fragments import bar, icon
from questline.web.model import (
    LOCALES,
    Translator,
    navigation,
    pick_locale,
    shown_avatar,
    spoken,
    time_left,
    widget_messages,
)

router = APIRouter(route_class=SessionRoute, include_in_schema=False)

_HERE = Path(__file__).parent
LANG_COOKIE = "questline_lang"
_templates = Environment(
    # Templates change with a release, not while it runs: no look at their files per page.
    auto_reload=False,
    loader=FileSystemLoader(_HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters["shown_avatar"] = shown_avatar
_templates.globals.update(icon=icon, bar=bar)
# Small files, read once at import: served from memory, never from disk while a request waits.
_STATIC = {
    path.name: path.read_bytes() for path in sorted((_HERE / "static").iterdir()) if path.is_file()
}
# The widgets' script, with their texts in every language the pages speak written in.
_STATIC["widgets.js"] = (
    _STATIC["widgets.js"]
    .decode("utf-8")
    .replace(
        "var MESSAGES = {};",
        f"var MESSAGES = {json.dumps(widget_messages(), ensure_ascii=False, sort_keys=True)};",
        1,
    )
    .encode("utf-8")
)
_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
# No inline script or style anywhere: a page runs only its own files. Images may come from
# any https origin: players' avatars are wherever each host app keeps them, and a page
# swaps in fresh content (with new avatars) under the policy it loaded with (see
# docs/security.md).
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:;"
    " connect-src 'self'; base-uri 'none'; form-action 'self'"
)
_SECURITY_HEADERS = {
    "Content-Security-Policy": _CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


Lang = Annotated[str | None, Query(max_length=35, description="a language for the page's text")]


@router.get("/play")
async def dashboard_page(
    request: Request, principal: Authorized, context: ContextDep, lang: Lang = None
) -> Response:
    def content(session: Session, frame: service.Frame, t: Translator) -> dict[str, Any]:
        return {"dashboard": service.dashboard(context, session, frame, t)}

    return await _serve(request, principal, context, lang, "dashboard", content)


@router.get("/play/badges")
async def badges_page(
    request: Request, principal: Authorized, context: ContextDep, lang: Lang = None
) -> Response:
    def content(session: Session, frame: service.Frame, t: Translator) -> dict[str, Any]:
        return {"badges": service.badges(context, session, principal.app_id, frame.player, t.names)}

    return await _serve(request, principal, context, lang, "badges", content)


@router.get("/play/missions")
async def missions_page(
    request: Request, principal: Authorized, context: ContextDep, lang: Lang = None
) -> Response:
    def content(session: Session, frame: service.Frame, t: Translator) -> dict[str, Any]:
        found = service.missions(context, session, principal.app_id, frame.player, t.names)
        return {"missions": found}

    return await _serve(request, principal, context, lang, "missions", content)


@router.get("/play/leaderboards")
async def leaderboards_page(
    request: Request,
    principal: Authorized,
    context: ContextDep,
    lang: Lang = None,
    board: Annotated[str | None, Query(max_length=63)] = None,
    view: Annotated[str, Query(max_length=20)] = "top",
    run: Annotated[str, Query(max_length=40)] = CURRENT,
) -> Response:
    def content(session: Session, frame: service.Frame, t: Translator) -> dict[str, Any]:
        del frame, t
        return {
            "board": service.leaderboard(context, session, principal, board, view, run),
            "views": service.board_views(context),
            "current": CURRENT,
        }

    return await _serve(request, principal, context, lang, "leaderboards", content)


@router.get("/play/league")
async def league_page(
    request: Request, principal: Authorized, context: ContextDep, lang: Lang = None
) -> Response:
    def content(session: Session, frame: service.Frame, t: Translator) -> dict[str, Any]:
        del t
        return {"league": service.league(context, session, principal.app_id, frame.player)}

    return await _serve(request, principal, context, lang, "league", content)


@router.get("/play/wallet")
async def wallet_page(
    request: Request,
    principal: Authorized,
    context: ContextDep,
    lang: Lang = None,
    bought: Annotated[str | None, Query(max_length=200)] = None,
    refused: Annotated[str | None, Query(max_length=40)] = None,
    offer: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    def content(session: Session, frame: service.Frame, t: Translator) -> dict[str, Any]:
        wallet = service.wallet(context, session, principal.app_id, frame, t.names)
        said = shop.outcome(
            context, session, principal, t.names, bought=bought, refused=refused, offer=offer
        )
        return {
            "wallet": wallet,
            "outcome": said,
            "form_keys": {o.id: shop.new_form_key() for o in wallet.offers},
        }

    return await _serve(request, principal, context, lang, "wallet", content)


@router.get("/play/reviews")
async def reviews_page(
    request: Request, principal: Authorized, context: ContextDep, lang: Lang = None
) -> Response:
    def content(session: Session, frame: service.Frame, t: Translator) -> dict[str, Any]:
        del t
        return {"reviews": service.reviews(session, principal.app_id, frame.player)}

    return await _serve(request, principal, context, lang, "reviews", content)


@router.get("/play/feed")
async def feed_page(
    request: Request, principal: Authorized, context: ContextDep, lang: Lang = None
) -> Response:
    def content(session: Session, frame: service.Frame, t: Translator) -> dict[str, Any]:
        return {"feed": service.feed(context, session, principal.app_id, frame.player, t.names)}

    return await _serve(request, principal, context, lang, "feed", content)


@router.get("/play/static/{name}")
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


@router.get("/play/brand.css")
def brand_stylesheet(
    principal: Authorized, session: ReadSessionDep, context: ContextDep
) -> Response:
    """The app's brand colour as the pages' custom properties (a file of its own: the
    pages' CSP allows no inline style)."""
    css = stylesheet(context.app_settings.get(principal.app_id, session).brand)
    # Its address changes with the colour (see `_page`), so a browser may keep it.
    return Response(
        css,
        media_type="text/css",
        headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/widgets.js")
async def widgets_script() -> Response:
    # async: served from memory, no I/O. Host apps load it from their own pages' origins.
    return Response(
        _STATIC["widgets.js"],
        media_type="text/javascript; charset=utf-8",
        headers={
            "Cache-Control": "public, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Access-Control-Allow-Origin": "*",
        },
    )


# What a page shows in its frame: its reads, through the session `_page` gives it.
Content = Callable[[Session, service.Frame, Translator], dict[str, Any]]


async def _serve(
    request: Request,
    principal: Principal,
    context: Context,
    lang: str | None,
    name: str,
    content: Content,
) -> Response:
    """A page, in one trip to the thread pool (its reads and its rendering). The routes
    are async and take no session: a sync route's dependencies and its session's
    set-up and close cost FastAPI a trip and as much work again as the dashboard's reads."""
    moved = _token_into_cookie(request)
    if moved is not None:
        return moved
    return await run_in_threadpool(_page, request, principal, context, lang, name, content)


def _page(
    request: Request,
    principal: Principal,
    context: Context,
    lang: str | None,
    name: str,
    content: Content,
) -> Response:
    """The page, read in one read-only session that begins and ends here, in this thread."""
    with context.database.reader() as session:
        assert principal.player is not None  # the policy lets only player tokens in
        frame = service.frame(context, session, principal.app_id, principal.player)
        chosen = spoken(lang, request.cookies.get(LANG_COOKIE))
        locale = pick_locale(chosen, frame.player_locale, request.headers.get("accept-language"))
        # The page's text follows the browser too; the design's names follow the API's rule.
        names = reading_locale(chosen, frame.player_locale, frame.default_locale)
        t = Translator(locale, names)
        values = content(session, frame, t)
        brand = frame.brand
        cookie = request.cookies.get(COOKIE_TOKEN)
        secret = context.settings.jwt_secret
        html = _templates.get_template(f"{name}.html").render(
            t=t,
            w=t.words,
            page=name,
            frame=frame,
            brand=brand,
            brand_css=_brand_css_path(brand),
            csrf_field=CSRF_FIELD,
            csrf_token=form_token(secret.get_secret_value(), cookie) if cookie and secret else "",
            pages=navigation(frame.features),
            locales=LOCALES,
            time_left=lambda ends_at: time_left(t, ends_at, frame.now),
            **values,
        )
    response = HTMLResponse(html, headers=_SECURITY_HEADERS)
    if lang is not None and lang in LOCALES:
        # A preference, not a secret: the page's own script may read it.
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/play", samesite="lax")
    return response


def _brand_css_path(brand: Brand) -> str | None:
    """The brand stylesheet's address, which changes with the colour; None without one."""
    if brand.color is None:
        return None
    return f"/play/brand.css?v={brand.color.lstrip('#')}"


def _token_into_cookie(request: Request) -> Response | None:
    """The token of a page's URL (already checked by the authorization), moved into the
    cookie, and a redirect to the same page without it."""
    token = request.query_params.get(QUERY_TOKEN)
    if token is None:
        return None
    rest = [(k, v) for k, v in request.query_params.multi_items() if k != QUERY_TOKEN]
    response = RedirectResponse(
        request.url.path + (f"?{urlencode(rest)}" if rest else ""),
        status_code=303,
        headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
    )
    # Checked already: read here only for when it expires, which the cookie follows.
    claims = jwt.decode(token, options={"verify_signature": False})
    response.set_cookie(
        COOKIE_TOKEN,
        token,
        expires=int(claims["exp"]),
        path="/",  # the notification stream under /v1 reads it too
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


def install(app: FastAPI) -> None:
    """Add the pages, and answer a browser's refused or failed page with a page: a person
    reads it, not a program (API clients still get problem details)."""
    app.include_router(router)
    app.include_router(shop_routes.router)
    problems = app.exception_handlers[QuestlineError]

    async def _page_error(request: Request, error: Exception) -> Response:
        accepts_html = "text/html" in request.headers.get("accept", "")
        if not (request.url.path.startswith("/play") and accepts_html):
            answer: Response = await _call(problems, request, error)
            return answer
        status = error.status if isinstance(error, QuestlineError) else 500
        html = await run_in_threadpool(_error_page, request, status)
        return HTMLResponse(html, status_code=status, headers=_SECURITY_HEADERS)

    app.add_exception_handler(QuestlineError, _page_error)


async def _call(
    handler: Callable[[Request, Exception], Response | Awaitable[Response]],
    request: Request,
    error: Exception,
) -> Response:
    answer = handler(request, error)
    if isinstance(answer, Response):
        return answer
    return await answer


def _error_page(request: Request, status: int) -> str:
    t = Translator(
        pick_locale(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
    )
    signed_out = status in (401, 403)
    return _templates.get_template("error.html").render(
        t=t,
        title=t("signed_out.title") if signed_out else t("error.title"),
        body=t("signed_out.body") if signed_out else "",
        status=status,
    )
