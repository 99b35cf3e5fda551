"""/v1/keys: the app's API keys. A secret is shown once, when the key is created."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.orm import Session

from questline.api.http.context import Context
from questline.api.http.deps import Authorized, ContextDep, ReadSessionDep, SessionDep
from questline.api.http.paging import Cursor, Limit, cursor_after, decode_cursor
from questline.api.http.sessions import SessionRoute
from questline.api.inputs import Instant
from questline.auth.policy import Scope
from questline.auth.principals import Principal
from questline.errors import InvalidInput, NotFound
from questline.storage import audit
from questline.storage.apps import create_key, get_key, keys_page, revoke_key
from questline.storage.database import after_commit
from questline.storage.models import ApiKey, App
from questline.storage.pages import split_page

router = APIRouter(prefix="/v1/keys", tags=["keys"], route_class=SessionRoute)
KeyId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the key's id")]

# Examples of the answers (with their nulls) are in api.http.openapi_examples.


class KeyIn(BaseModel):
    """A new API key."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "web backend",
                    "scopes": ["events:write", "players:read"],
                    "expires_at": "2027-11-21T00:00:00Z",
                }
            ]
        },
    )

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="what the key is for, shown in lists and the audit log"
    )
    scopes: list[Scope] = Field(min_length=1, max_length=4, description="what the key may do")
    expires_at: Instant | None = Field(
        default=None, description="when the key stops working; unset: never"
    )


class KeyOut(BaseModel):
    """An API key, without its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str = Field(description="the start of the secret, to recognise it in logs")
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class KeyCreated(KeyOut):
    """A new key with its secret: store it now, it is never shown again."""

    secret: str


class KeyList(BaseModel):
    """A page of keys, oldest first."""

    data: list[KeyOut]
    next_cursor: str | None


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a key (secret shown once)")
def post_key(body: KeyIn, principal: Authorized, session: SessionDep) -> KeyCreated:
    return create(session, principal, body)


def create(session: Session, principal: Principal, body: KeyIn) -> KeyCreated:
    """Create a key, audited; its secret is in this answer only (the API's and the
    console's)."""
    if body.expires_at is not None and body.expires_at <= datetime.now(UTC):
        raise InvalidInput(
            "a key cannot expire in the past",
            errors=[{"loc": ["expires_at"], "message": "must be in the future"}],
        )
    app = session.get_one(App, principal.app_id)
    key, secret = create_key(
        session,
        app,
        name=body.name,
        scopes=sorted({scope.value for scope in body.scopes}),
        expires_at=body.expires_at,
    )
    out = KeyOut.model_validate(key)
    audit.record(session, principal, "key.create", "key", key.id, after=out.model_dump(mode="json"))
    return KeyCreated(**out.model_dump(), secret=secret)


@router.get("", summary="The app's keys, oldest first")
def list_keys(
    principal: Authorized, session: ReadSessionDep, limit: Limit = 50, cursor: Cursor = None
) -> KeyList:
    return read_keys(session, principal.app_id, limit, decode_cursor(cursor))


def read_keys(session: Session, app_id: int, limit: int, after_id: int | None) -> KeyList:
    """A page of the app's keys, oldest first (the API's answer and the console's list)."""
    rows = keys_page(session, app_id, after_id=after_id, limit=limit + 1)
    shown, last = split_page(rows, limit, _key_id)
    return KeyList(
        data=[KeyOut.model_validate(key) for key in shown], next_cursor=cursor_after(last)
    )


def _key_id(key: ApiKey) -> int:
    return key.id


@router.get("/{key_id}", summary="One key")
def read_key(key_id: KeyId, principal: Authorized, session: ReadSessionDep) -> KeyOut:
    key = get_key(session, principal.app_id, key_id)
    if key is None:
        raise NotFound(f"no key with id {key_id}")
    return KeyOut.model_validate(key)


@router.delete("/{key_id}", summary="Revoke a key: it stops working at once")
def delete_key(
    key_id: KeyId, principal: Authorized, session: SessionDep, context: ContextDep
) -> KeyOut:
    return revoke(context, session, principal, key_id)


def revoke(context: Context, session: Session, principal: Principal, key_id: int) -> KeyOut:
    """Revoke a key at once, audited the first time (the API's and the console's)."""
    key = get_key(session, principal.app_id, key_id)
    if key is None:
        raise NotFound(f"no key with id {key_id}")
    before = KeyOut.model_validate(key).model_dump(mode="json")
    revoke_key(key, datetime.now(UTC))
    after_commit(session, lambda: context.keys.forget(key_id))
    out = KeyOut.model_validate(key)
    if before["revoked_at"] is None:
        audit.record(
            session,
            principal,
            "key.revoke",
            "key",
            key.id,
            before=before,
            after=out.model_dump(mode="json"),
        )
    return out
