"""Turn a bearer token into a Principal, or refuse it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from questline.auth.keys import KEY_PREFIX
from questline.auth.policy import scope_permissions
from questline.auth.principals import Principal, PrincipalKind
from questline.errors import Unauthorized
from questline.storage.apps import find_key, needs_touch, touch_key

if TYPE_CHECKING:
    from questline.api.context import Context


def resolve_bearer(context: Context, token: str) -> Principal:
    if token.startswith(KEY_PREFIX):
        return _api_key(context, token)
    raise Unauthorized("the credentials are not an API key or a token this server issued")


def _api_key(context: Context, secret: str) -> Principal:
    now = datetime.now(UTC)
    with context.database.reader() as session:
        key = find_key(session, secret)
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
        stale = needs_touch(key, now)
        key_id = key.id
    if stale:
        with context.database.transaction() as session:
            touch_key(session, key_id, now)
    return principal
