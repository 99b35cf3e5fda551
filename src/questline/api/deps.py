"""Typed dependencies shared by every router."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from questline.api.context import Context
from questline.auth.keys import Scope, allows
from questline.errors import Forbidden, InvalidInput, Unauthorized
from questline.storage.apps import find_key, needs_touch, touch_key


def get_context(request: Request) -> Context:
    context: Context = request.app.state.questline
    return context


ContextDep = Annotated[Context, Depends(get_context)]


def get_session(context: ContextDep) -> Iterator[Session]:
    with context.database.transaction() as session:
        yield session


def get_reader(context: ContextDep) -> Iterator[Session]:
    with context.database.reader() as session:
        yield session


# "function" scope: the transaction commits before the response is sent, so a 2xx
# means the change is durable.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReaderDep = Annotated[Session, Depends(get_reader, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="an API key: `Bearer ql_sk_…`")


@dataclass(frozen=True)
class Principal:
    app_id: int
    key_id: int
    key_name: str
    scopes: tuple[str, ...]

    def require(self, scope: Scope) -> None:
        if not allows(list(self.scopes), scope):
            raise Forbidden(f"this key lacks the '{scope.value}' scope")


def authenticate(
    context: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized("send an API key as `Authorization: Bearer <key>`")
    now = datetime.now(UTC)
    with context.database.reader() as session:
        key = find_key(session, credentials.credentials)
        if key is None or key.revoked_at is not None or (key.expires_at and key.expires_at <= now):
            raise Unauthorized("the API key is unknown, revoked or expired")
        principal = Principal(key.app_id, key.id, key.name, tuple(key.scopes))
        stale = needs_touch(key, now)
    if stale:
        with context.database.transaction() as session:
            touch_key(session, principal.key_id, now)
    return principal


CurrentKey = Annotated[Principal, Depends(authenticate)]


def _scoped(scope: Scope) -> Callable[[Principal], Principal]:
    def check(principal: CurrentKey) -> Principal:
        principal.require(scope)
        return principal

    return check


EventWriter = Annotated[Principal, Depends(_scoped(Scope.EVENTS_WRITE))]
PlayerReader = Annotated[Principal, Depends(_scoped(Scope.PLAYERS_READ))]
ConfigWriter = Annotated[Principal, Depends(_scoped(Scope.CONFIG_WRITE))]


def encode_cursor(value: int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidInput(
            "the cursor is not one this server gave out",
            errors=[{"loc": ["query", "cursor"], "message": "invalid cursor"}],
        ) from None


Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
Cursor = Annotated[str | None, Query(description="`next_cursor` from the previous page")]
