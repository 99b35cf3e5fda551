"""/v1/auth: console sign-in with rotating refresh tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from questline.api.http.context import Context
from questline.api.http.deps import ContextDep, SessionDep
from questline.api.http.problems import problems
from questline.api.http.sessions import SessionRoute
from questline.auth.tokens import TokenType, issue
from questline.errors import Unauthorized, Unavailable
from questline.services.sign_in import SignIn
from questline.storage.models import App
from questline.storage.users import (
    Refresh,
    issue_refresh,
    revoke_by_token,
    role_in,
    rotate_refresh,
)

router = APIRouter(prefix="/v1/auth", tags=["auth"], route_class=SessionRoute)

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"
Email = Annotated[str, StringConstraints(min_length=3, max_length=320, pattern=EMAIL_PATTERN)]


class LoginIn(BaseModel):
    """Email and password; optionally which of the user's apps to work in."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"email": "ada@example.com", "password": "correct horse", "app": "default"}
            ]
        },
    )

    email: Email
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    app: str | None = Field(
        default=None, max_length=63, description="an app id; default: the user's first app"
    )


class RefreshIn(BaseModel):
    """A refresh token from login or from the previous refresh."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"refresh_token": "ql_rt_…"}]}
    )

    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class TokenPair(BaseModel):
    """An access token for `Authorization: Bearer`, and a refresh token that works once."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIs…",
                    "token_type": "bearer",
                    "expires_in": 1800,
                    "refresh_token": "ql_rt_…",
                    "refresh_expires_in": 604800,
                    "app": "default",
                    "role": "owner",
                }
            ]
        }
    )

    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth token type, not a secret)
    expires_in: int = Field(description="seconds the access token stays valid")
    refresh_token: str
    refresh_expires_in: int = Field(description="seconds the refresh token stays valid")
    app: str = Field(description="the app the tokens act in")
    role: str = Field(description="the user's role in that app")


def _secret(context: Context) -> str:
    secret = context.settings.jwt_secret
    if secret is None:
        raise Unavailable("console sign-in is not configured: set QUESTLINE_JWT_SECRET")
    return secret.get_secret_value()


def _pair(
    context: Context, user_id: int, app: App, role: str, refresh: tuple[str, datetime]
) -> TokenPair:
    settings = context.settings
    lifetime = timedelta(minutes=settings.access_token_minutes)
    access, _ = issue(
        _secret(context), TokenType.ACCESS, subject=str(user_id), app_id=app.id, lifetime=lifetime
    )
    refresh_token, refresh_expires = refresh
    return TokenPair(
        access_token=access,
        expires_in=int(lifetime.total_seconds()),
        refresh_token=refresh_token,
        refresh_expires_in=int((refresh_expires - datetime.now(UTC)).total_seconds()),
        app=app.slug,
        role=role,
    )


def _login(context: Context, body: LoginIn, client_ip: str) -> TokenPair:
    _secret(context)
    settings = context.settings
    attempt = SignIn(settings, context.throttle, body.email, client_ip)
    try:
        # Its own unit of work: places are taken before the writer's turn, given back after.
        with context.database.transaction() as session:
            signed_in = attempt.check(session, body.email, body.password, body.app)
            refresh = issue_refresh(
                session,
                signed_in.user_id,
                signed_in.app.id,
                timedelta(days=settings.refresh_token_days),
            )
            return _pair(context, signed_in.user_id, signed_in.app, signed_in.role.value, refresh)
    finally:
        attempt.done()


@router.post(
    "/login",
    summary="Sign in: an access token (30 min) and a refresh token (7 days)",
    responses=problems(401, 403, 429),
)
async def login(body: LoginIn, request: Request, context: ContextDep) -> TokenPair:
    client_ip = request.client.host if request.client else "unknown"
    return await run_in_threadpool(_login, context, body, client_ip)


@router.post(
    "/refresh", summary="Trade a refresh token (once) for a new pair", responses=problems(401)
)
def refresh(body: RefreshIn, context: ContextDep) -> TokenPair:
    _secret(context)
    lifetime = timedelta(days=context.settings.refresh_token_days)
    # Its own unit of work: a detected reuse commits its revocation before the 401.
    with context.database.transaction() as session:
        rotation = rotate_refresh(session, body.refresh_token, lifetime)
        pair = None
        if rotation.outcome is Refresh.ROTATED:
            assert rotation.user_id is not None
            assert rotation.app_id is not None
            assert rotation.token is not None
            assert rotation.expires_at is not None
            role = role_in(session, rotation.user_id, rotation.app_id)
            if role is not None:
                app = session.get_one(App, rotation.app_id)
                pair = _pair(
                    context,
                    rotation.user_id,
                    app,
                    role.value,
                    (rotation.token, rotation.expires_at),
                )
    # Raised after the commit, so that a detected reuse stays revoked.
    if rotation.outcome is Refresh.REUSED:
        raise Unauthorized(
            "this refresh token was already used: every token of its sign-in is now revoked"
        )
    if pair is None:
        raise Unauthorized("the refresh token is unknown, revoked or expired")
    return pair


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Sign out: revoke the refresh token and its family",
)
def logout(body: RefreshIn, session: SessionDep) -> Response:
    revoke_by_token(session, body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
