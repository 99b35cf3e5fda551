"""Queries of webhook endpoints and deliveries: the outbox write, the sender's claim and
its record of each attempt."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from questline.notifications.delivery import PENDING
from questline.notifications.tables import WebhookDelivery, WebhookEndpoint
from questline.storage.bulk import BulkWriter, as_utc
from questline.storage.types import loads_json


@dataclass(frozen=True, slots=True)
class Subscriber:
    endpoint_id: int
    app_id: int
    events: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NewDelivery:
    app_id: int
    endpoint_id: int
    player_id: int | None
    message_id: str
    event_type: str
    payload: str

    def values(self) -> tuple[int, int, int | None, str, str, str]:
        return (
            self.app_id,
            self.endpoint_id,
            self.player_id,
            self.message_id,
            self.event_type,
            self.payload,
        )


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery taken for one attempt, with what sending it needs."""

    id: int
    endpoint_id: int
    url: str
    secret: str
    message_id: str
    payload: str
    attempts: int
    created_at: datetime


def subscribers(session: Session, app_ids: Iterable[int]) -> list[Subscriber]:
    """The enabled endpoints of these apps (read in the batch's transaction)."""
    ids = sorted(set(app_ids))
    if not ids:
        return []
    rows = BulkWriter(session).fetch(
        "SELECT id, app_id, events FROM webhook_endpoints WHERE app_id IN ?list AND enabled = ?",
        ids,
        True,
    )
    return [
        Subscriber(id_, app_id, tuple(events if isinstance(events, list) else loads_json(events)))
        for id_, app_id, events in rows
    ]


def add_deliveries(session: Session, deliveries: Sequence[NewDelivery], now: datetime) -> int:
    bulk = BulkWriter(session)
    stamp = bulk.timestamp(now)
    return bulk.executemany(
        "INSERT INTO webhook_deliveries (app_id, endpoint_id, player_id, message_id, event_type,"
        " payload, status, attempts, next_attempt_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
        [(*d.values(), PENDING, stamp, stamp) for d in deliveries],
    )


def claim(
    session: Session,
    now: datetime,
    lease: timedelta,
    limit: int,
    busy: dict[int, int],
    per_endpoint: int,
) -> list[Claimed]:
    """Take up to `limit` due deliveries for one attempt each: their next attempt moves to
    `now + lease`, so if the sender dies mid-attempt another takes them then. At most
    `per_endpoint` in flight per endpoint (`busy` says how many are), so one slow
    receiver cannot hold every slot."""
    bulk = BulkWriter(session)
    due = (
        "SELECT d.id, d.endpoint_id, e.url, e.secret, d.message_id, d.payload, d.attempts,"
        " d.created_at FROM webhook_deliveries d"
        " JOIN webhook_endpoints e ON e.id = d.endpoint_id"
        " WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND e.enabled = ?"
        " ORDER BY d.next_attempt_at LIMIT ?"
    )
    if bulk.postgres:
        due += " FOR UPDATE OF d SKIP LOCKED"  # several senders never take the same one
    rows = bulk.fetch(due, bulk.timestamp(now), True, limit * 4)
    taken: list[Claimed] = []
    counts = dict(busy)
    for id_, endpoint_id, url, secret, message_id, payload, attempts, created_at in rows:
        if len(taken) == limit:
            break
        if counts.get(endpoint_id, 0) >= per_endpoint:
            continue
        counts[endpoint_id] = counts.get(endpoint_id, 0) + 1
        created = as_utc(created_at)
        assert created is not None
        taken.append(
            Claimed(id_, endpoint_id, url, secret, message_id, payload, attempts + 1, created)
        )
    if taken:
        bulk.executemany(
            "UPDATE webhook_deliveries SET next_attempt_at = ?, attempts = attempts + 1,"
            " last_attempt_at = ? WHERE id = ?",
            [(bulk.timestamp(now + lease), bulk.timestamp(now), c.id) for c in taken],
        )
    return taken


def due_count(session: Session, now: datetime) -> int:
    bulk = BulkWriter(session)
    found = bulk.fetch(
        "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?",
        bulk.timestamp(now),
    )
    return int(found[0][0])


def endpoints_page(
    app_id: int, *, after_id: int | None, limit: int
) -> Select[tuple[WebhookEndpoint]]:
    query = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.app_id == app_id)
        .order_by(WebhookEndpoint.id)
        .limit(limit)
    )
    return query if after_id is None else query.where(WebhookEndpoint.id > after_id)


def get_endpoint(session: Session, app_id: int, endpoint_id: int) -> WebhookEndpoint | None:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    return endpoint if endpoint is not None and endpoint.app_id == app_id else None


def delete_endpoint(session: Session, endpoint: WebhookEndpoint) -> None:
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    session.delete(endpoint)


def deliveries_page(
    endpoint_id: int, *, before_id: int | None, status: str | None, limit: int
) -> Select[tuple[WebhookDelivery]]:
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return query


def get_delivery(session: Session, endpoint_id: int, delivery_id: int) -> WebhookDelivery | None:
    delivery = session.get(WebhookDelivery, delivery_id)
    return delivery if delivery is not None and delivery.endpoint_id == endpoint_id else None


def endpoints_by_id(session: Session, ids: Iterable[int]) -> dict[int, WebhookEndpoint]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = select(WebhookEndpoint).where(WebhookEndpoint.id.in_(wanted)).with_for_update()
    return {endpoint.id: endpoint for endpoint in session.scalars(query)}


Attempt = tuple[str, datetime | None, int | None, int, str | None, int]


def record(session: Session, attempts: Sequence[Attempt]) -> None:
    """(status, next attempt, response status, latency, error, delivery id) each."""
    bulk = BulkWriter(session)
    bulk.executemany(
        "UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, response_status = ?,"
        " latency_ms = ?, last_error = ? WHERE id = ?",
        [
            (status, None if at is None else bulk.timestamp(at), code, latency, error, id_)
            for status, at, code, latency, error, id_ in attempts
        ],
    )


def prune(session: Session, before: datetime, limit: int = 5000) -> int:
    """Delete finished deliveries made before `before` (by id, as store.prune does);
    pending ones stay until they are sent or given up."""
    oldest = select(
        WebhookDelivery.id, WebhookDelivery.created_at, WebhookDelivery.status
    ).order_by(WebhookDelivery.id)
    found = list(session.execute(oldest.limit(limit)))
    ids = [id_ for id_, at, status in found if at < before and status != PENDING]
    if ids:
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
    return len(ids)


def erase(session: Session, player_id: int) -> None:
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.player_id == player_id))
