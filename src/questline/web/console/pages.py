"""How every console page is answered: rendered from its template with the signed-in
caller around it, under a strict Content-Security-Policy; a refused or failed page is a
page too (a signed-out browser is sent to sign in), while the editor's scripts get
problem details."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from questline.api.access import CSRF_FIELD
from questline.auth.credentials import ConsoleCaller
from questline.auth.policy import POLICY
from questline.errors import QuestlineError, Unauthorized

PREFIX = "/console"
_HERE = Path(__file__).parent
_templates = Environment(
    loader=FileSystemLoader(_HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
# No inline script or style anywhere, and never inside another site's frame.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self';"
    " img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self';"
    " frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
# The sections of the console, in the navigation's order: (path, label, the page's route).
SECTIONS = (
    ("/console/overview", "Overview", "GET /console/overview"),
    ("/console/design", "Design", "GET /console/design"),
    ("/console/design/versions", "Versions", "GET /console/design/versions"),
    ("/console/players", "Players", "GET /console/players"),
    ("/console/items", "Catalog", "GET /console/items"),
    ("/console/leaderboards", "Leaderboards", "GET /console/leaderboards"),
    ("/console/keys", "API keys", "GET /console/keys"),
    ("/console/users", "Users", "GET /console/users"),
    ("/console/webhooks", "Webhooks", "GET /console/webhooks"),
    ("/console/audit", "Audit log", "GET /console/audit"),
    ("/console/settings", "Settings", "GET /console/settings"),
)


async def console_caller(request: Request) -> ConsoleCaller:
    # async: reads what the authorization found, no I/O.
    caller: ConsoleCaller | None = getattr(request.state, "console", None)
    if caller is None:
        raise Unauthorized("sign in to the console")
    return caller


Caller = Annotated[ConsoleCaller, Depends(console_caller)]


@dataclass(frozen=True)
class Flash:
    """A one-line message at the top of a page: what an action did, or why it did not."""

    text: str
    kind: str = "ok"  # ok or error


def may(caller: ConsoleCaller, route: str) -> bool:
    """Whether the caller's role allows a console route (``"POST /console/design/publish"``):
    the same decision its request will meet, so a page offers only what would be allowed."""
    access = POLICY[route]
    return access.permission is None or caller.principal.can(access.permission)


def render(
    caller: ConsoleCaller | None,
    name: str,
    *,
    status: int = 200,
    flash: Flash | None = None,
    **values: Any,
) -> HTMLResponse:
    html = _templates.get_template(name).render(
        caller=caller,
        csrf_field=CSRF_FIELD,
        may=lambda route: caller is not None and may(caller, route),
        sections=[s for s in SECTIONS if caller and may(caller, s[2])],
        flash=flash,
        when=when,
        **values,
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303, headers={"Cache-Control": "no-store"})


def install(app: FastAPI) -> None:
    """Answer a browser's refused or failed console page with a page, and send a signed-out
    one to sign in; scripts (which ask for JSON) keep problem details."""
    problems = app.exception_handlers[QuestlineError]

    async def _console_error(request: Request, error: Exception) -> Response:
        accepts_html = "text/html" in request.headers.get("accept", "")
        if not (request.url.path.startswith(PREFIX) and accepts_html):
            return await _call(problems, request, error)
        status = error.status if isinstance(error, QuestlineError) else 500
        if status == 401 and request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return see_other(f"{PREFIX}/sign-in?next={quote(target, safe='')}")
        detail = error.detail if isinstance(error, QuestlineError) else "something went wrong"
        caller = getattr(request.state, "console", None)
        return await run_in_threadpool(
            render, caller, "error.html", status=status, status_code=status, detail=detail
        )

    app.add_exception_handler(QuestlineError, _console_error)


async def _call(
    handler: Callable[[Request, Exception], Response | Awaitable[Response]],
    request: Request,
    error: Exception,
) -> Response:
    answer = handler(request, error)
    if isinstance(answer, Response):
        return answer
    return await answer
