"""/v1/audit: who changed what in the app, when, and from what to what."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from questline.api.http.deps import Authorized, ReadSessionDep
from questline.api.http.paging import Cursor, Limit, cursor_after, decode_cursor
from questline.api.http.sessions import SessionRoute
from questline.api.inputs import Instant
from questline.storage.audit import audit_page
from questline.storage.models import AuditEntry
from questline.storage.pages import split_page

Text = Annotated[str | None, Query(max_length=200)]

router = APIRouter(prefix="/v1/audit", tags=["audit"], route_class=SessionRoute)

_EXAMPLE: dict[str, Any] = {
    "id": 12,
    "at": "2026-11-21T16:35:51Z",
    "actor": "user:ada@example.com",
    "action": "key.revoke",
    "target_type": "key",
    "target_id": "7",
    "before": {"revoked_at": None},
    "after": {"revoked_at": "2026-11-21T16:35:51Z"},
    "request_id": "4f9c2a",
}


class AuditEntryOut(BaseModel):
    """One recorded change."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_EXAMPLE]})

    id: int
    at: datetime
    actor: str = Field(description="`key:<name>`, `user:<email>`, `player:<id>` or `cli`")
    action: str = Field(description="what happened, e.g. `config.publish`, `key.revoke`")
    target_type: str
    target_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None = Field(description="the X-Request-ID of the request that did it")


class AuditPage(BaseModel):
    """A page of the audit log, newest first."""

    data: list[AuditEntryOut]
    next_cursor: str | None


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to show: each field unset shows all."""

    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@router.get("", summary="The app's audit log, newest first")
def get_audit(
    principal: Authorized,
    session: ReadSessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    action: Text = None,
    target_type: Text = None,
    target_id: Text = None,
    actor: Annotated[
        str | None, Query(max_length=300, description="e.g. `user:ada@example.com`")
    ] = None,
    since: Annotated[Instant | None, Query(description="entries at or after this instant")] = None,
    until: Annotated[Instant | None, Query(description="entries before this instant")] = None,
) -> AuditPage:
    found = AuditFilter(action, target_type, target_id, actor, since, until)
    return read_audit(session, principal.app_id, found, limit, decode_cursor(cursor))


def read_audit(
    session: Session, app_id: int, found: AuditFilter, limit: int, before_id: int | None
) -> AuditPage:
    """A page of the audit log, newest first (the API's answer and the console's)."""
    rows = audit_page(session, app_id, limit=limit + 1, before_id=before_id, **asdict(found))
    shown, last = split_page(rows, limit, _entry_id)
    return AuditPage(
        data=[AuditEntryOut.model_validate(entry) for entry in shown],
        next_cursor=cursor_after(last),
    )


def _entry_id(entry: AuditEntry) -> int:
    return entry.id
