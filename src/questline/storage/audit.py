"""The audit log: every change to config, items, keys, users and manual grants.

Call ``record`` inside the transaction that makes the change, so the entry commits with it
(and disappears with it on rollback).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from questline.request_context import request_id
from questline.storage.models import AuditEntry


class Actor(Protocol):
    """Anything that can say who it is: a Principal, or a CLI run."""

    @property
    def app_id(self) -> int: ...

    @property
    def actor(self) -> str: ...


def record(
    session: Session,
    who: Actor | str,
    action: str,
    target_type: str,
    target_id: str | int,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    app_id: int | None = None,
) -> AuditEntry:
    """Record one change. ``action`` is a dotted verb such as ``key.create``; ``who`` is the
    principal that made it (or a string such as ``cli``, then ``app_id`` is required)."""
    if isinstance(who, str):
        actor = who
        if app_id is None:
            raise ValueError("an audit entry needs the app it belongs to")
    else:
        actor = who.actor
        app_id = who.app_id if app_id is None else app_id
    entry = AuditEntry(
        app_id=app_id,
        at=datetime.now(UTC),
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=before,
        after=after,
        request_id=request_id.get(),
    )
    session.add(entry)
    session.flush()
    return entry


def audit_page(
    session: Session,
    app_id: int,
    *,
    before_id: int | None,
    limit: int | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditEntry]:
    """The app's audit log, newest first, narrowed by each filter given: a page of `limit`
    entries, or all."""
    statement = select(AuditEntry).where(AuditEntry.app_id == app_id)
    if before_id is not None:
        statement = statement.where(AuditEntry.id < before_id)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    if target_type is not None:
        statement = statement.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        statement = statement.where(AuditEntry.target_id == target_id)
    if actor is not None:
        statement = statement.where(AuditEntry.actor == actor)
    if since is not None:
        statement = statement.where(AuditEntry.at >= since)
    if until is not None:
        statement = statement.where(AuditEntry.at < until)
    return list(session.scalars(statement.order_by(AuditEntry.id.desc()).limit(limit)))


def player_audit(app_id: int, player_id: str) -> Select[tuple[AuditEntry]]:
    """The entries about one player and their streaks (``<player>/<streak>``), newest first."""
    about = (AuditEntry.target_type == "player") & (AuditEntry.target_id == player_id)
    streak = (AuditEntry.target_type == "streak") & AuditEntry.target_id.startswith(
        f"{player_id}/", autoescape=True
    )
    return (
        select(AuditEntry)
        .where(AuditEntry.app_id == app_id, about | streak)
        .order_by(AuditEntry.id.desc())
    )
