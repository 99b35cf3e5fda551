"""Queries of the inbox and devices, and the outbox writes shared by every writer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from questline.notifications.model import Message, Recipient
from questline.notifications.tables import Device, Notification
from questline.storage.bulk import BulkWriter, as_utc
from questline.storage.models import Event, Player
from questline.storage.types import loads_json


@dataclass(frozen=True, slots=True)
class Written:
    """A notification as written: its id (the stream's event id) and whom it is for."""

    id: int
    recipient: Recipient
    message: Message
    event_seq: int | None
    created_at: datetime


def recipients(session: Session, player_ids: Iterable[int]) -> dict[int, Recipient]:
    ids = sorted(set(player_ids))
    if not ids:
        return {}
    rows = BulkWriter(session).fetch(
        "SELECT id, app_id, external_id, display_name, locale FROM players WHERE id IN ?list",
        ids,
    )
    return {row[0]: Recipient(*row) for row in rows}


def lock_players(session: Session, player_ids: Iterable[int]) -> None:
    """The worker's lock on these players (see processing/worker.py for the order): a
    player's notifications must commit in the order of their ids, for live streams."""
    bulk = BulkWriter(session)
    if bulk.postgres:
        bulk.fetch(
            "SELECT id FROM players WHERE id IN ?list ORDER BY id FOR NO KEY UPDATE",
            sorted(set(player_ids)),
        )


def write(
    session: Session,
    rows: Sequence[tuple[Recipient, Message, int | None]],
    now: datetime,
) -> list[Written]:
    """Insert notifications in order (ids increase in the order given); a message whose
    dedupe key its player already has is left out."""
    if not rows:
        return []
    bulk = BulkWriter(session)
    stamp = bulk.timestamp(now)
    inserted = bulk.insert_returning(
        "INSERT INTO notifications (app_id, player_id, kind, title, body, data, push,"
        " event_seq, dedupe_key, created_at)",
        "(?, ?, ?, ?, ?, ?json, ?, ?, ?, ?)",
        "ON CONFLICT (player_id, dedupe_key) DO NOTHING RETURNING id, player_id, dedupe_key",
        [
            (
                to.app_id,
                to.player_id,
                message.kind,
                message.title[:500],
                message.body,
                bulk.json(message.data),
                message.push,
                seq,
                message.dedupe_key,
                stamp,
            )
            for to, message, seq in rows
        ],
    )
    # Rows come back in any order: ids were taken in the order of the VALUES.
    ids = sorted(inserted)
    keyed = {(player_id, key): id_ for id_, player_id, key in ids if key is not None}
    plain = iter(id_ for id_, _, key in ids if key is None)
    written = []
    for to, message, seq in rows:
        if message.dedupe_key is None:
            found: int | None = next(plain)
        else:
            found = keyed.get((to.player_id, message.dedupe_key))
        if found is not None:
            written.append(Written(found, to, message, seq, now))
    return written


def inbox_page(
    player_id: int, *, before_id: int | None, unread: bool, limit: int
) -> Select[tuple[Notification, str]]:
    """Newest first (the event's key is None where no event caused it)."""
    query = (
        select(Notification, Event.key)
        .outerjoin(Event, Event.seq == Notification.event_seq)
        .where(Notification.player_id == player_id)
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    return query


# Read by every dashboard and player resource, straight on the driver (`BulkWriter.fetch`):
# SQLAlchemy's statement and row machinery cost more than the count.
_UNREAD = "SELECT COUNT(*) FROM notifications WHERE player_id = ? AND read_at IS NULL"


def unread_count(session: Session, player_id: int) -> int:
    (count,) = BulkWriter(session).fetch(_UNREAD, player_id)[0]
    return int(count)


def mark_read(
    session: Session, player_id: int, *, ids: Sequence[int] | None, up_to: int | None, at: datetime
) -> int:
    query = update(Notification).where(
        Notification.player_id == player_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    if up_to is not None:
        query = query.where(Notification.id <= up_to)
    return int(session.execute(query.values(read_at=at)).rowcount)  # type: ignore[attr-defined]


def latest_id(session: Session, app_id: int, external_id: str) -> int:
    """The id of the player's newest notification (0 if none, or no such player yet)."""
    found = session.scalar(
        select(func.max(Notification.id))
        .join(Player, Player.id == Notification.player_id)
        .where(Player.app_id == app_id, Player.external_id == external_id)
    )
    return int(found or 0)


StreamKey = tuple[int, str]  # app id, the player's id in the host app
Found = tuple[StreamKey, dict[str, Any]]


def after(session: Session, cursors: Sequence[tuple[StreamKey, int]], limit: int) -> list[Found]:
    """Each player's notifications after their cursor, oldest first, at most `limit` in all.

    One statement for many players: the players and cursors as a VALUES list joined
    to the inbox. The first `limit` by id are, for each player, a gap-free run."""
    if not cursors:
        return []
    bulk = BulkWriter(session)
    cast = "CAST(? AS INTEGER), CAST(? AS VARCHAR(200)), CAST(? AS BIGINT)"
    wanted = ", ".join([f"({cast})"] * len(cursors))
    params: list[Any] = [
        value for (app_id, player), cursor in cursors for value in (app_id, player, cursor)
    ]
    rows = bulk.fetch(
        f"WITH wanted (app_id, external_id, cursor) AS (VALUES {wanted})"  # noqa: S608 (placeholders)
        " SELECT n.id, w.app_id, w.external_id, n.kind, n.title, n.body, n.data, n.push,"
        " n.created_at, n.read_at, e.key"
        " FROM wanted w"
        " JOIN players p ON p.app_id = w.app_id AND p.external_id = w.external_id"
        " JOIN notifications n ON n.player_id = p.id AND n.id > w.cursor"
        " LEFT JOIN events e ON e.seq = n.event_seq"
        " ORDER BY n.id LIMIT ?",
        *params,
        limit,
    )
    return [((row[1], row[2]), _as_dict(row[0], *row[3:])) for row in rows]


def _as_dict(
    id_: int,
    kind: str,
    title: str,
    body: str,
    data: Any,
    push: Any,
    created_at: Any,
    read_at: Any,
    event_key: str | None,
) -> dict[str, Any]:
    read = as_utc(read_at)
    created = as_utc(created_at)
    assert created is not None
    return {
        "id": id_,
        "kind": kind,
        "title": title,
        "body": body,
        "data": data if isinstance(data, dict) else loads_json(data),
        "push": bool(push),
        "event_id": event_key,
        "created_at": created.isoformat(),
        "read_at": read.isoformat() if read else None,
    }


def put_device(
    session: Session,
    player: Player,
    device_id: str,
    *,
    platform: str,
    token: str,
    now: datetime,
) -> tuple[Device, bool]:
    """Create or replace a device; True if it is new."""
    device = session.get(Device, (player.id, device_id))
    created = device is None
    if device is None:
        device = Device(
            player_id=player.id, device_id=device_id, app_id=player.app_id, created_at=now
        )
        session.add(device)
    device.platform = platform
    device.token = token
    device.updated_at = now
    session.flush()
    return device, created


def devices_of(session: Session, player_ids: Iterable[int]) -> dict[int, list[Device]]:
    ids = sorted(set(player_ids))
    found: dict[int, list[Device]] = {}
    if not ids:
        return found
    query = select(Device).where(Device.player_id.in_(ids)).order_by(Device.device_id)
    for device in session.scalars(query):
        found.setdefault(device.player_id, []).append(device)
    return found


def delete_device(session: Session, player_id: int, device_id: str) -> bool:
    deleted = session.execute(
        delete(Device).where(Device.player_id == player_id, Device.device_id == device_id)
    )
    return bool(deleted.rowcount)  # type: ignore[attr-defined]


def erase(session: Session, player_id: int) -> None:
    session.execute(delete(Notification).where(Notification.player_id == player_id))
    session.execute(delete(Device).where(Device.player_id == player_id))


def export(session: Session, player_id: int) -> dict[str, Any]:
    notifications = session.scalars(
        select(Notification).where(Notification.player_id == player_id).order_by(Notification.id)
    )
    devices = session.scalars(select(Device).where(Device.player_id == player_id))
    return {
        "notifications": [
            {
                "id": row.id,
                "kind": row.kind,
                "title": row.title,
                "body": row.body,
                "data": row.data,
                "created_at": row.created_at,
                "read_at": row.read_at,
            }
            for row in notifications
        ],
        "devices": [
            {"device_id": row.device_id, "platform": row.platform, "updated_at": row.updated_at}
            for row in devices
        ],
    }


def prune(session: Session, before: datetime, limit: int = 5000) -> int:
    """Delete notifications made before `before`, the oldest first, at most `limit`.

    Ids grow with time, so the oldest are read by id (the primary key), and no index
    on the time costs every insert; a run stops at the first one young enough."""
    oldest = select(Notification.id, Notification.created_at).order_by(Notification.id)
    ids = [id_ for id_, at in session.execute(oldest.limit(limit)) if at < before]
    if ids:
        session.execute(delete(Notification).where(Notification.id.in_(ids)))
    return len(ids)
