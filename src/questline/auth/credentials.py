"""Turn a bearer token into a Principal, or refuse it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from questline.auth.keys import KEY_PREFIX, hash_key
from questline.auth.policy import ROLE_PERMISSIONS, scope_permissions
from questline.auth.principals import Principal, PrincipalKind
from questline.auth.tokens import TokenType, verify
from questline.errors import Unauthorized
from questline.storage.apps import find_key_by_hash, needs_touch, touch_key
from questline.storage.console_sessions import find_session
from questline.storage.models import App, User
from questline.storage.users import role_in

if TYPE_CHECKING:
    from questline.api.http.context import Context


def resolve_bearer(context: Context, token: str) -> Principal:
    if token.startswith(KEY_PREFIX):
        return _api_key(context, token)
    secret = context.settings.jwt_secret
    if secret is None or token.count(".") != 2:
        raise Unauthorized("the credentials are not an API key or a token this server issued")
    claims = verify(secret.get_secret_value(), token)
    app_id: int = claims["app"]
    if claims["typ"] == TokenType.PLAYER:
        return _player(claims)
    return _console_user(context, app_id, claims["sub"])


def _player(claims: dict[str, Any]) -> Principal:
    return Principal(
        app_id=claims["app"],
        kind=PrincipalKind.PLAYER,
        permissions=frozenset(),
        player=claims["sub"],
    )


@dataclass(frozen=True)
class ConsoleCaller:
    """A signed-in browser of the web console: who, in which app, and the session's
    CSRF token its writes must send back."""

    principal: Principal
    csrf_token: str
    app_slug: str
    app_name: str
    expires_at: datetime


def resolve_console_session(context: Context, cookie: str) -> ConsoleCaller:
    with context.database.reader() as session:
        found = find_session(session, cookie, datetime.now(UTC))
        if found is None:
            raise Unauthorized("sign in to the console: the session is unknown or has ended")
        principal = _console_user(context, found.app_id, str(found.user_id))
        app = session.get_one(App, found.app_id)
        return ConsoleCaller(principal, found.csrf_token, app.slug, app.name, found.expires_at)


def _console_user(context: Context, app_id: int, subject: str) -> Principal:
    if not subject.isdigit():
        raise Unauthorized("the token is not one this server signed")
    with context.database.reader() as session:
        user = session.get(User, int(subject))
        role = role_in(session, user.id, app_id) if user and user.disabled_at is None else None
        if user is None or role is None:
            # Checked on every request, so that removing a user takes effect at once.
            raise Unauthorized("this account no longer has access to the app")
        return Principal(
            app_id=app_id,
            kind=PrincipalKind.USER,
            permissions=ROLE_PERMISSIONS[role],
            user_id=user.id,
            email=user.email,
            role=role,
        )


def resolved_without_io(context: Context, token: str) -> Principal | None:
    """The caller, when saying who it is needs no database, so no worker thread: a player
    token (its signature says it all) or an API key this process resolved moments ago.
    None when the database must be asked; a player token that fails its check is refused
    here as `resolve_bearer` would."""
    if token.startswith(KEY_PREFIX):
        return cached_key(context, token)
    secret = context.settings.jwt_secret
    if secret is None or token.count(".") != 2:
        return None
    claims = verify(secret.get_secret_value(), token)
    return _player(claims) if claims["typ"] == TokenType.PLAYER else None


def cached_key(context: Context, token: str) -> Principal | None:
    """The caller, if the token is an API key this process resolved moments ago and there is
    nothing to write about it (no last-used time due): no I/O, so no worker thread needed."""
    if not token.startswith(KEY_PREFIX):
        return None
    cached = context.keys.get(hash_key(token))
    if cached is None:
        return None
    now = datetime.now(UTC)
    if (cached.expires_at is not None and cached.expires_at <= now) or needs_touch(
        cached.last_used_at, now
    ):
        return None  # the full path refuses it, or records its use
    return cached.principal


def _api_key(context: Context, secret: str) -> Principal:
    now = datetime.now(UTC)
    secret_hash = hash_key(secret)
    cached = context.keys.get(secret_hash)
    if cached is not None:
        if cached.expires_at is not None and cached.expires_at <= now:
            raise Unauthorized("the API key is unknown, revoked or expired")
        if needs_touch(cached.last_used_at, now):
            cached.last_used_at = now
            _touch(context, cached.principal, now)
        return cached.principal
    with context.database.reader() as session:
        key = find_key_by_hash(session, secret_hash)
        if key is None or key.revoked_at is not None or (key.expires_at and key.expires_at <= now):
            raise Unauthorized("the API key is unknown, revoked or expired")
        principal = Principal(
            app_id=key.app_id,
            kind=PrincipalKind.KEY,
            permissions=scope_permissions(key.scopes),
            key_id=key.id,
            key_name=key.name,
            scopes=tuple(key.scopes),
        )
        stale = needs_touch(key.last_used_at, now)
        context.keys.remember(
            secret_hash, principal, key.expires_at, now if stale else key.last_used_at
        )
    if stale:
        _touch(context, principal, now)
    return principal


def _touch(context: Context, principal: Principal, now: datetime) -> None:
    assert principal.key_id is not None
    with context.database.transaction() as session:
        touch_key(session, principal.key_id, now)
