"""The dependency that enforces ``auth.policy`` on every route.

It runs before any other dependency and before the body is validated, so a caller who may
not use an endpoint learns nothing about it beyond 401/403.
"""

from __future__ import annotations

import hmac
import json
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from questline.api.http.context import Context
from questline.api.http.forms import read_form
from questline.auth.credentials import (
    ConsoleCaller,
    resolve_bearer,
    resolve_console_session,
    resolved_without_io,
)
from questline.auth.keys import KEY_PREFIX
from questline.auth.policy import Access, decision_for
from questline.auth.principals import Principal, PrincipalKind
from questline.auth.throttle import Verdict
from questline.auth.tokens import form_token
from questline.errors import Forbidden, Unauthorized
from questline.storage.apps import app_settings

QUERY_TOKEN = "access_token"  # noqa: S105 (a parameter's name)
COOKIE_TOKEN = "questline_token"  # noqa: S105 (a cookie's name)
CONSOLE_COOKIE = "questline_console"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer = HTTPBearer(
    auto_error=False,
    description="an API key (`ql_sk_…`), a console access token or a player token",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def route_template(request: Request) -> str:
    # Not getattr's default: building request.url costs more than the rest of this.
    template = getattr(request.scope.get("route"), "path_format", None)
    return str(template) if template is not None else request.url.path


def check(access: Access, principal: Principal, path_params: dict[str, Any]) -> None:
    """Raise Forbidden unless ``principal`` may use an endpoint with this decision."""
    assert access.permission is not None
    if access.page:
        if principal.kind is not PrincipalKind.PLAYER:
            raise Forbidden("a player page opens with a player token only")
        return  # the page shows the token's own player: there is no other to ask for
    if principal.kind is PrincipalKind.PLAYER:
        if access.own_player:
            if path_params.get("player_id") != principal.player:
                raise Forbidden("a player token reads only its own player")
            return
        if access.shared:
            return  # what every player sees; the route narrows it where it must
        if access.player_events:
            return  # what it may submit is checked against the body
        raise Forbidden("a player token cannot use this endpoint")
    if not principal.can(access.permission):
        who = f"key '{principal.key_name}'" if principal.kind is PrincipalKind.KEY else "role"
        if principal.kind is PrincipalKind.USER and principal.role is not None:
            who = f"role '{principal.role.value}'"
        raise Forbidden(f"the {who} lacks the '{access.permission.value}' permission")


async def authorize(request: Request, credentials: Credentials) -> Principal | None:
    access = decision_for(request.method, route_template(request))
    if access is None:
        # Fail closed: an endpoint nobody decided about is open to nobody.
        raise Forbidden("no access decision is recorded for this endpoint")
    if access.permission is None:
        return None
    if access.console:
        return await _console_caller(request, access)
    token = credentials.credentials if credentials is not None else None
    in_query = token is None and access.token_in_query
    if in_query:
        token = request.query_params.get(QUERY_TOKEN) or request.cookies.get(COOKIE_TOKEN)
    if token is None:
        raise Unauthorized("send credentials as `Authorization: Bearer <token>`")
    if in_query and token.startswith(KEY_PREFIX):
        raise Unauthorized(_PLAYERS_ONLY)  # a key in a URL ends up in logs: never look
    context: Context = request.app.state.questline
    identified = await _identify_on_loop(context, token, access)
    if identified is None:
        identified = await run_in_threadpool(_identify, context, token, access)
    principal, verdict = identified
    if in_query and principal.kind is not PrincipalKind.PLAYER:
        raise Unauthorized(_PLAYERS_ONLY)
    request.state.rate_limit = verdict
    check(access, principal, dict(request.path_params))
    from_cookie = in_query and request.query_params.get(QUERY_TOKEN) is None
    if access.page and request.method not in _SAFE_METHODS and from_cookie:
        await _check_page_form(request, context, token)
    if principal.kind is PrincipalKind.PLAYER and access.player_events:
        await _check_player_events(request, context, principal)
    request.state.principal = principal
    return principal


async def _console_caller(request: Request, access: Access) -> Principal:
    """A console page or action: the session cookie names the user (a bearer credential
    opens no console page), whose role must allow what the page does; a write must send
    the session's CSRF token back, as a form field or a header."""
    cookie = request.cookies.get(CONSOLE_COOKIE)
    if cookie is None:
        raise Unauthorized("sign in to the console")
    context: Context = request.app.state.questline
    caller, verdict = await run_in_threadpool(_identify_console, context, cookie)
    request.state.rate_limit = verdict
    request.state.console = caller
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or (await read_form(request)).get(CSRF_FIELD)
        if sent is None or not hmac.compare_digest(sent.encode(), caller.csrf_token.encode()):
            raise Forbidden(
                "the form's CSRF token is missing or wrong: reload the page and try again"
            )
    check(access, caller.principal, dict(request.path_params))
    request.state.principal = caller.principal
    return caller.principal


async def _check_page_form(request: Request, context: Context, token: str) -> None:
    """A player page's form, sent with the cookie (which a browser attaches whoever made
    the form): only one with the page's own CSRF token acts."""
    secret = context.settings.jwt_secret
    sent = request.headers.get(CSRF_HEADER) or (await read_form(request)).get(CSRF_FIELD)
    expected = form_token(secret.get_secret_value(), token) if secret is not None else None
    if sent is None or expected is None:
        raise Forbidden("the form's CSRF token is missing: reload the page and try again")
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("the form's CSRF token is wrong: reload the page and try again")


def _identify_console(context: Context, cookie: str) -> tuple[ConsoleCaller, Verdict | None]:
    """Who the session is, counted against their rate limit as a console user."""
    caller = resolve_console_session(context, cookie)
    limits = context.rate_limits
    return caller, limits.hit(caller.principal) if limits is not None else None


def _counted(access: Access, principal: Principal) -> bool:
    """Whether this call counts against the caller's rate limit."""
    if access.rate_limited or access.permission is None:
        return True
    return not principal.can(access.permission)


_PLAYERS_ONLY = (
    f"only a player token may be sent as `{QUERY_TOKEN}` or the `{COOKIE_TOKEN}` cookie;"
    " send others as `Authorization: Bearer <token>`"
)


async def _identify_on_loop(
    context: Context, token: str, access: Access
) -> tuple[Principal, Verdict | None] | None:
    """The common case — a player token, or a key seen moments ago, of an app whose limits
    are known — on the event loop (counting in memory, or in Redis without blocking): a
    trip to the thread pool costs more than the work. None when the database must be asked."""
    principal = resolved_without_io(context, token)
    if principal is None:
        return None
    limits = context.rate_limits
    if limits is None or not _counted(access, principal):
        return principal, None
    settings = context.app_settings.in_memory(principal.app_id)
    if settings is None:
        return None
    return principal, await limits.hit_async(principal, settings)


def _identify(context: Context, token: str, access: Access) -> tuple[Principal, Verdict | None]:
    """Who is calling, counted against their rate limit (one trip to the thread pool).

    Counted before the permission check: refused calls cost as much as allowed ones."""
    principal = resolve_bearer(context, token)
    limits = context.rate_limits
    if limits is None or not _counted(access, principal):
        return principal, None
    return principal, limits.hit(principal)


async def _check_player_events(request: Request, context: Context, principal: Principal) -> None:
    allowed = await run_in_threadpool(app_settings, context.database, principal.app_id)
    types = set(allowed.player_event_types)
    if not types:
        raise Forbidden("this app does not let players submit events")
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, RecursionError):
        return  # the endpoint answers malformed (or too deeply nested) bodies itself
    events = body.get("events") if isinstance(body, dict) and "events" in body else [body]
    for index, event in enumerate(events if isinstance(events, list) else []):
        if not isinstance(event, dict):
            continue
        if event.get("player") != principal.player:
            raise Forbidden(f"event {index}: a player token submits events only for itself")
        kind = event.get("type")
        if not isinstance(kind, str):
            continue  # not an event type at all: the endpoint refuses it with its location
        if kind not in types:
            raise Forbidden(
                f"event {index}: players may submit only {', '.join(sorted(types))} events"
            )


async def current_principal(
    principal: Annotated[Principal | None, Depends(authorize)],
) -> Principal:
    # async: a sync dependency costs a trip to the thread pool, and this does no I/O.
    if principal is None:
        raise Unauthorized("this endpoint is public and has no caller")
    return principal


Authorized = Annotated[Principal, Depends(current_principal)]
