"""Scheduled publishes: a design that takes effect at a future time and, optionally,
ends at a later one, restoring the version that was current when it started (a weekend
of double XP).

Every switch is an ordinary publish (a new immutable version, audited), made by the
periodic job `switch_scheduled` when its time has come:

- at `starts_at`, the document is published, whatever was published since the schedule
  was made; the version current just before is remembered;
- at `ends_at`, that remembered version's document is published again, but only if the
  scheduled version is still the current one. If another version was published
  meanwhile, someone changed the design on purpose while the event ran: that change
  stays, and the schedule ends as `superseded` without publishing anything;
- a schedule whose end has already passed when its start is reached (the server was
  down through the whole window) is never published: it ends as `missed`.

A schedule not started yet can be cancelled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from questline.errors import InvalidInput, NotFound, Refused
from questline.services.designs import check_document
from questline.storage import audit, configs
from questline.storage.models import ConfigVersion, ScheduledPublish

SCHEDULED, ACTIVE, ENDED, SUPERSEDED, MISSED, CANCELLED = (
    "scheduled",
    "active",
    "ended",
    "superseded",
    "missed",
    "cancelled",
)


def schedule_publish(
    session: Session,
    app_id: int,
    document: dict[str, Any],
    *,
    starts_at: datetime,
    ends_at: datetime | None,
    comment: str | None,
    by: str,
    now: datetime,
) -> ScheduledPublish:
    """A scheduled publish of `document` (checked now, located under "design")."""
    if starts_at <= now:
        raise InvalidInput(
            "starts_at must be in the future (publish now with PUT /v1/config)",
            errors=[{"loc": ["starts_at"], "message": "not in the future"}],
        )
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidInput(
            "ends_at must be after starts_at",
            errors=[{"loc": ["ends_at"], "message": "not after starts_at"}],
        )
    check_document(document, at=("design",))
    row = ScheduledPublish(
        app_id=app_id,
        status=SCHEDULED,
        document=document,
        comment=comment,
        created_by=by,
        created_at=now,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        by,
        "config.schedule",
        "config_schedule",
        row.id,
        after={"starts_at": starts_at.isoformat(), "ends_at": _iso(ends_at), "comment": comment},
        app_id=app_id,
    )
    return row


def list_schedules(session: Session, app_id: int) -> list[ScheduledPublish]:
    return list(
        session.scalars(
            select(ScheduledPublish)
            .where(ScheduledPublish.app_id == app_id)
            .order_by(ScheduledPublish.starts_at.desc(), ScheduledPublish.id.desc())
            .limit(200)
        )
    )


def cancel_schedule(session: Session, app_id: int, schedule_id: int, *, by: str) -> None:
    row = session.get(ScheduledPublish, schedule_id)
    if row is None or row.app_id != app_id:
        raise NotFound(f"there is no scheduled publish {schedule_id}")
    if row.status != SCHEDULED:
        raise Refused(
            "schedule_started",
            f"scheduled publish {schedule_id} is {row.status}: only one not started yet"
            " can be cancelled (publish or roll back instead)",
        )
    row.status = CANCELLED
    audit.record(session, by, "config.schedule_cancel", "config_schedule", row.id, app_id=app_id)


def switch_due(
    session: Session, now: datetime, published: Callable[[int], None]
) -> list[tuple[int, str]]:
    """Start and end the schedules whose time has come; (schedule id, new status) of
    each. Each is claimed by a compare-and-set, so two schedulers never both switch
    one; `published(app_id)` is called for each app given a new version (after the
    caller commits, it should forget the app's cached design)."""
    switched: list[tuple[int, str]] = []
    due = session.scalars(
        select(ScheduledPublish)
        .where(
            ((ScheduledPublish.status == SCHEDULED) & (ScheduledPublish.starts_at <= now))
            | ((ScheduledPublish.status == ACTIVE) & (ScheduledPublish.ends_at <= now))
        )
        .order_by(ScheduledPublish.starts_at, ScheduledPublish.id)
    ).all()
    for row in due:
        if row.status == SCHEDULED:
            status = MISSED if row.ends_at is not None and row.ends_at <= now else ACTIVE
            if not _claim(session, row, SCHEDULED, status):
                continue
            if status == ACTIVE:
                _start(session, row)
                published(row.app_id)
        else:
            current = configs.current(session, row.app_id)
            still = current is not None and current.version == row.started_version
            status = ENDED if still else SUPERSEDED
            if not _claim(session, row, ACTIVE, status):
                continue
            if still and row.previous_version is not None and _end(session, row):
                published(row.app_id)
        switched.append((row.id, status))
    return switched


def _claim(session: Session, row: ScheduledPublish, was: str, becomes: str) -> bool:
    taken = session.execute(
        update(ScheduledPublish)
        .where(ScheduledPublish.id == row.id, ScheduledPublish.status == was)
        .values(status=becomes)
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


def _start(session: Session, row: ScheduledPublish) -> None:
    before = configs.current(session, row.app_id)
    version = _publish(
        session,
        row,
        row.document,
        comment=row.comment or f"scheduled publish {row.id}",
        before=before,
        action="config.schedule_start",
    )
    row.previous_version = before.version if before is not None else None
    row.started_version = version.version


def _end(session: Session, row: ScheduledPublish) -> bool:
    assert row.previous_version is not None
    earlier = configs.get_version(session, row.app_id, row.previous_version)
    if earlier is None:
        return False
    current = configs.current(session, row.app_id)
    version = _publish(
        session,
        row,
        earlier.document,
        comment=f"end of scheduled publish {row.id}: version {earlier.version} again",
        before=current,
        action="config.schedule_end",
    )
    row.ended_version = version.version
    return True


def _publish(
    session: Session,
    row: ScheduledPublish,
    document: dict[str, Any],
    *,
    comment: str,
    before: ConfigVersion | None,
    action: str,
) -> ConfigVersion:
    published = configs.publish(
        session, row.app_id, document, source=None, comment=comment, created_by=row.created_by
    )
    audit.record(
        session,
        "scheduler",
        action,
        "config",
        published.version,
        before={"version": before.version, "document": before.document} if before else None,
        after={
            "version": published.version,
            "comment": comment,
            "schedule": row.id,
            "document": published.document,
        },
        app_id=row.app_id,
    )
    return published


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
