"""The events use case: append, dispatch after commit, and optionally wait."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from questline.processing.dispatch import Dispatcher
from questline.processing.ingest import Ingested, NewEvent, ingest
from questline.processing.worker import Worker
from questline.storage.database import Database, after_commit
from questline.storage.models import Event


@dataclass(frozen=True)
class EventStatus:
    status: str
    received_at: datetime
    effects: list[Any] | None
    error: str | None


def submit(
    database: Database,
    worker: Worker,
    dispatcher: Dispatcher,
    app_id: int,
    events: Sequence[NewEvent],
    *,
    wait: bool,
) -> tuple[list[Ingested], dict[int, EventStatus]]:
    """Make the events durable; with `wait`, also process them (and any earlier
    pending events of the same players, to keep per-player order) before returning."""
    with database.transaction() as session:
        results = ingest(session, app_id, events, datetime.now(UTC))
        player_ids = sorted(
            {r.player_id for r in results if r.player_id is not None and not r.duplicate}
        )
        if player_ids and not wait:
            after_commit(session, lambda: dispatcher.events_committed(player_ids))
    seqs = [r.seq for r in results if r.seq is not None]
    if wait and seqs:
        touched = sorted({r.player_id for r in results if r.player_id is not None})
        worker.drain(player_ids=touched, up_to_seq=max(seqs))
    return results, statuses(database, seqs)


def statuses(database: Database, seqs: Sequence[int]) -> dict[int, EventStatus]:
    if not seqs:
        return {}
    with database.reader() as session:
        rows = session.execute(
            select(Event.seq, Event.status, Event.received_at, Event.effects, Event.error).where(
                Event.seq.in_(set(seqs))
            )
        )
        return {
            seq: EventStatus(status, received_at, effects, error)
            for seq, status, received_at, effects, error in rows
        }
