"""The events use case: append, dispatch after commit, and optionally wait."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from questline.metrics import EVENTS_INGESTED
from questline.processing.batch import PENDING
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
    pending events of the same players, to keep per-player order) before returning.
    Returns each event's result and the status of every appended or replayed one."""
    with database.transaction() as session:
        results = ingest(session, app_id, events, datetime.now(UTC))
        new_players = sorted({r.player_id for r in results if r.player_id and not r.duplicate})
        if new_players and not wait:
            after_commit(session, lambda: dispatcher.events_committed(new_players))
    EVENTS_INGESTED.inc(sum(1 for r in results if r.seq is not None and not r.duplicate))
    if wait:
        touched = sorted({r.player_id for r in results if r.player_id is not None})
        seqs = [r.seq for r in results if r.seq is not None]
        if seqs:
            worker.drain(player_ids=touched, up_to_seq=max(seqs))
        return results, statuses(database, seqs)
    # Without waiting, what was just appended is pending: only replays need a look-up.
    found = statuses(database, [r.seq for r in results if r.duplicate and r.seq is not None])
    for result in results:
        if result.seq is not None and not result.duplicate:
            found[result.seq] = EventStatus(PENDING, result.received_at, None, None)
    return results, found


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


@dataclass(frozen=True)
class EventFlow:
    """The normal event flow for a use case that records an event as part of its own
    unit of work (a lesson submitted, a card reviewed): the event commits with what
    caused it, is dispatched after the commit, and can be waited for."""

    database: Database
    worker: Worker
    dispatcher: Dispatcher

    def append(
        self, session: Session, app_id: int, events: Sequence[NewEvent], now: datetime
    ) -> list[Ingested]:
        results = ingest(session, app_id, events, now)
        fresh = [r for r in results if r.seq is not None and not r.duplicate]
        players = sorted({r.player_id for r in fresh if r.player_id is not None})
        if players:
            after_commit(session, lambda: self.dispatcher.events_committed(players))
            after_commit(session, lambda: EVENTS_INGESTED.inc(len(fresh)))
        return results

    def settle(self, player_id: int, seq: int) -> EventStatus:
        """After the commit: process the player's events up to `seq` now (with anything
        of theirs still pending before it) and say what became of it."""
        self.worker.drain(player_ids=[player_id], up_to_seq=seq)
        return self.status(seq)

    def status(self, seq: int) -> EventStatus:
        return statuses(self.database, [seq])[seq]
