"""/console/sign-in and /console/sign-out: a console user's browser session.

Signing in checks the email and password exactly as `POST /v1/auth/login` does (the same
throttle per account and per address), then opens a session: a random secret in an
HttpOnly cookie scoped to /console, of which the server keeps only a digest, and a CSRF
token that every write of the session must send back. Signing out deletes the session, so
a copied cookie opens nothing afterwards."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from questline.api.access import CONSOLE_COOKIE, CSRF_FIELD
from questline.api.http.context import Context
from questline.api.http.deps import ContextDep
from questline.api.http.forms import read_form
from questline.errors import Forbidden, InvalidInput, QuestlineError
from questline.services.sign_in import SignIn
from questline.storage.console_sessions import OpenedSession, close_session, open_session
from questline.web.console.pages import PREFIX, Caller, Flash, render, see_other

router = APIRouter(prefix=PREFIX, include_in_schema=False)

# Before there is a session, the sign-in form's CSRF token is a cookie of its own that the
# form must repeat (a double submit): another site cannot read it to sign a browser in.
SIGN_IN_COOKIE = "questline_console_sign_in"
HOME = f"{PREFIX}/design"

Next = Annotated[str | None, Query(max_length=2000)]


@router.get("/sign-in")
async def sign_in_page(request: Request, next: Next = None) -> Response:
    # async: renders a small template, no I/O.
    return _form(request, _safe_next(next))


@router.post("/sign-in")
async def sign_in(request: Request, context: ContextDep) -> Response:
    form = await read_form(request)
    target = _safe_next(form.get("next"))
    email = form.get("email", "").strip()
    password = form.get("password", "")
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    sent = form.get(CSRF_FIELD, "")
    client_ip = request.client.host if request.client else "unknown"
    try:
        if not email or not password:
            raise InvalidInput(
                "enter your email and your password",
                errors=[
                    {"loc": ["body", "email" if not email else "password"], "message": "empty"}
                ],
            )
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise Forbidden("the sign-in form had expired: please sign in again")
        opened = await run_in_threadpool(
            _open, context, email, password, form.get("app") or None, client_ip
        )
    except QuestlineError as error:
        if "text/html" not in request.headers.get("accept", ""):
            raise  # a program: problem details
        flash = Flash(error.detail[:1].upper() + error.detail[1:] + ".", "error")
        return _form(request, target, flash, error.status, email)
    response = see_other(target)
    response.set_cookie(
        CONSOLE_COOKIE,
        opened.cookie,
        expires=opened.expires_at,
        path=PREFIX,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    response.delete_cookie(SIGN_IN_COOKIE, path=f"{PREFIX}/sign-in")
    return response


@router.post("/sign-out")
def sign_out(request: Request, caller: Caller, context: ContextDep) -> Response:
    cookie = request.cookies.get(CONSOLE_COOKIE, "")
    with context.database.transaction() as session:
        close_session(session, cookie)
    del caller  # the policy let only a signed-in session with its CSRF token this far
    response = see_other(f"{PREFIX}/sign-in")
    response.delete_cookie(CONSOLE_COOKIE, path=PREFIX)
    return response


@router.get("")
async def home(caller: Caller) -> Response:
    # async: a redirect, no I/O.
    del caller
    return see_other(HOME)


def _open(
    context: Context, email: str, password: str, app: str | None, client_ip: str
) -> OpenedSession:
    attempt = SignIn(context.settings, context.throttle, email, client_ip)
    try:
        with context.database.transaction() as session:
            signed_in = attempt.check(session, email, password, app)
            lifetime = timedelta(hours=context.settings.console_session_hours)
            return open_session(session, signed_in.user_id, signed_in.app.id, lifetime)
    finally:
        attempt.done()


def _form(
    request: Request,
    target: str,
    flash: Flash | None = None,
    status: int = 200,
    email: str = "",
) -> Response:
    token = request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        None, "sign_in.html", status=status, flash=flash, token=token, next=target, email=email
    )
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        max_age=3600,
        path=f"{PREFIX}/sign-in",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a console page of this server, never another site."""
    if (
        target
        and target.startswith(f"{PREFIX}/")
        and not any(bad in target for bad in ("//", "\\", "\n", "\r"))
    ):
        return target
    return HOME
