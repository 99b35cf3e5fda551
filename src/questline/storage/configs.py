"""Config versions: every publish is a new immutable row; the newest is current."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from questline.storage.bulk import BulkWriter
from questline.storage.models import App, ConfigVersion


def current(session: Session, app_id: int) -> ConfigVersion | None:
    return session.scalar(
        select(ConfigVersion)
        .where(ConfigVersion.app_id == app_id)
        .order_by(ConfigVersion.version.desc())
        .limit(1)
    )


def current_versions(session: Session, app_ids: set[int]) -> dict[int, int]:
    # Plain SQL: every batch and every purchase asks, and building the statement through
    # SQLAlchemy cost more than running it.
    rows = BulkWriter(session).fetch(
        "SELECT app_id, MAX(version) FROM config_versions WHERE app_id IN ?list GROUP BY app_id",
        sorted(app_ids),
    )
    return {int(app_id): int(version) for app_id, version in rows}


def get_version(session: Session, app_id: int, version: int) -> ConfigVersion | None:
    return session.scalar(
        select(ConfigVersion).where(
            ConfigVersion.app_id == app_id, ConfigVersion.version == version
        )
    )


def versions(
    session: Session, app_id: int, *, limit: int, before: int | None = None
) -> list[ConfigVersion]:
    """A page of the published versions, newest first; with `before`, older than it."""
    statement = select(ConfigVersion).where(ConfigVersion.app_id == app_id)
    if before is not None:
        statement = statement.where(ConfigVersion.version < before)
    return list(session.scalars(statement.order_by(ConfigVersion.version.desc()).limit(limit)))


def publish(
    session: Session,
    app_id: int,
    document: dict[str, Any],
    *,
    source: str | None,
    comment: str | None,
    created_by: str | None,
    dry_run_id: int | None = None,
) -> ConfigVersion:
    # Publishes of one app take turns on its row, so each numbers its version after the
    # one before (on SQLite, BEGIN IMMEDIATE already made them take turns). NO KEY UPDATE:
    # events and players being appended meanwhile only share the row's key, and go on.
    session.execute(select(App.id).where(App.id == app_id).with_for_update(key_share=True))
    latest = session.scalar(
        select(func.max(ConfigVersion.version)).where(ConfigVersion.app_id == app_id)
    )
    row = ConfigVersion(
        app_id=app_id,
        version=(latest or 0) + 1,
        document=document,
        source=source,
        comment=comment,
        created_by=created_by,
        created_at=datetime.now(UTC),
        dry_run_id=dry_run_id,
    )
    session.add(row)
    session.flush()
    return row


def backfilled(session: Session, app_id: int, version: int) -> bool:
    """Whether a backfill of this version ran to the end."""
    done = select(ConfigVersion.backfilled_at).where(
        ConfigVersion.app_id == app_id, ConfigVersion.version == version
    )
    return session.scalar(done) is not None


def note_backfill(
    session: Session, app_id: int, version: int, now: datetime, *, finished: bool
) -> None:
    """A backfill of this version is alive at `now` (or, `finished`, ran to the end).

    The alive mark only moves forward: a scheduler that claimed the run stamped it with
    its own clock, and a heartbeat from a machine whose clock is behind must not make
    the run look silent for longer than it has been (another scheduler would claim it
    again)."""
    found = (ConfigVersion.app_id == app_id, ConfigVersion.version == version)
    if finished:
        session.execute(update(ConfigVersion).where(*found).values(backfilled_at=now))
        return
    behind = or_(ConfigVersion.backfill_alive_at.is_(None), ConfigVersion.backfill_alive_at < now)
    session.execute(update(ConfigVersion).where(*found, behind).values(backfill_alive_at=now))


def claim_unfinished_backfills(
    session: Session, stale_before: datetime, now: datetime
) -> list[int]:
    """The apps whose current design's backfill never ran to the end and has not been
    alive since `stale_before` (nor was it published since). Each is claimed (marked
    alive at `now`) by a compare-and-set, so two schedulers never both take one."""
    newest = (
        select(ConfigVersion.app_id, func.max(ConfigVersion.version).label("version"))
        .group_by(ConfigVersion.app_id)
        .subquery()
    )
    last_seen = func.coalesce(ConfigVersion.backfill_alive_at, ConfigVersion.created_at)
    stale = (ConfigVersion.backfilled_at.is_(None), last_seen < stale_before)
    candidates = session.execute(
        select(ConfigVersion.id, ConfigVersion.app_id)
        .join(
            newest,
            (ConfigVersion.app_id == newest.c.app_id) & (ConfigVersion.version == newest.c.version),
        )
        .where(*stale)
        .order_by(ConfigVersion.app_id)
    ).all()
    claimed = []
    for version_id, app_id in candidates:
        taken = session.execute(
            update(ConfigVersion)
            .where(ConfigVersion.id == version_id, *stale)
            .values(backfill_alive_at=now)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(app_id)
    return claimed
