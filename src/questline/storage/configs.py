"""Config versions: every publish is a new immutable row; the newest is current."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from questline.storage.models import ConfigVersion


def current(session: Session, app_id: int) -> ConfigVersion | None:
    return session.scalar(
        select(ConfigVersion)
        .where(ConfigVersion.app_id == app_id)
        .order_by(ConfigVersion.version.desc())
        .limit(1)
    )


def current_versions(session: Session, app_ids: set[int]) -> dict[int, int]:
    rows = session.execute(
        select(ConfigVersion.app_id, func.max(ConfigVersion.version))
        .where(ConfigVersion.app_id.in_(app_ids))
        .group_by(ConfigVersion.app_id)
    )
    return {app_id: version for app_id, version in rows.tuples()}  # noqa: C416


def get_version(session: Session, app_id: int, version: int) -> ConfigVersion | None:
    return session.scalar(
        select(ConfigVersion).where(
            ConfigVersion.app_id == app_id, ConfigVersion.version == version
        )
    )


def versions(app_id: int) -> Select[tuple[ConfigVersion]]:
    return (
        select(ConfigVersion)
        .where(ConfigVersion.app_id == app_id)
        .order_by(ConfigVersion.version.desc())
    )


def publish(
    session: Session,
    app_id: int,
    document: dict[str, Any],
    *,
    source: str | None,
    comment: str | None,
    created_by: str | None,
) -> ConfigVersion:
    # The (app_id, version) unique key turns a concurrent publish into a conflict
    # instead of two versions with one number.
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
    )
    session.add(row)
    session.flush()
    return row
