"""The game design's versions, the dry runs and scheduled publishes that lead to them,
and the audit trail: who changed what (a design, a key, a member, …), when, and how."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from questline.storage.models.base import Base
from questline.storage.types import BigId


class ConfigVersion(Base):
    __tablename__ = "config_versions"
    __table_args__ = (UniqueConstraint("app_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    version: Mapped[int]
    document: Mapped[dict[str, Any]]
    source: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # The achievement backfill of this version: when a run last said it was alive, and
    # when one ran to the end (None until then; periodic.py resumes the unfinished).
    backfill_alive_at: Mapped[datetime | None]
    backfilled_at: Mapped[datetime | None]
    # The dry run the publisher checked this document with (`PUT /v1/config?dry_run=`).
    # No foreign key: a plain reference, kept as history.
    dry_run_id: Mapped[int | None]


class DryRun(Base):
    """A replay of the event log through a draft design (`services.dry_runs`): it writes
    this row and nothing else. `report` grows while it runs and is final once finished."""

    __tablename__ = "dry_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # pending, running, finished, failed
    document: Mapped[dict[str, Any]]
    since: Mapped[datetime | None]
    players: Mapped[list[Any] | None]
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    players_total: Mapped[int | None]
    players_done: Mapped[int]
    report: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    # A runner notes it is alive after each chunk; one silent too long is run again
    # (`processing.periodic`), and only the latest attempt may write the row.
    alive_at: Mapped[datetime | None]
    attempt: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class ScheduledPublish(Base):
    """A design published at a future time and withdrawn at a later one
    (`services.schedules`); the periodic job makes each switch as an ordinary publish."""

    __tablename__ = "scheduled_publishes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), index=True)
    # scheduled, active, ended, superseded, missed, cancelled
    status: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, Any]]
    comment: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    previous_version: Mapped[int | None]  # current when it started: what its end restores
    started_version: Mapped[int | None]
    ended_version: Mapped[int | None]


class AuditEntry(Base):
    """Append-only: who changed what, when, from what to what, under which request."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_app_id", "app_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(400))
    action: Mapped[str] = mapped_column(String(63))
    target_type: Mapped[str] = mapped_column(String(63))
    target_id: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    request_id: Mapped[str | None] = mapped_column(String(128))
