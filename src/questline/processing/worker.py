"""Apply the engine to pending events: load state, process, write effects — all in
one transaction per batch, so an event's processed mark and its effects commit
together or not at all.

Lock order (PostgreSQL): player rows FOR NO KEY UPDATE by ascending id, taken before
anything is written. Every writer of player rows follows it (ingestion updates profiles
in the same order), so two writers can wait on each other but never deadlock. SQLite
takes its database-wide write lock at BEGIN IMMEDIATE instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import update
from sqlalchemy.orm import Session

from questline.leaderboards.projection import LeaderboardProjection
from questline.leagues.projection import LeagueProjection
from questline.processing.batch import FAILED, PENDING, Batch, Processed
from questline.processing.designs import DesignCache
from questline.storage.bulk import BulkWriter, as_utc
from questline.storage.database import Database, after_commit, unavailable
from questline.storage.models import Event as EventRow
from questline.storage.types import loads_json

log = logging.getLogger(__name__)


ProcessedHook = Callable[[list[Processed]], None]
Projection = Callable[[Session, Sequence[Processed]], None]


@dataclass(frozen=True, slots=True)
class Shard:
    """Players whose id is `number` modulo `count`: the unit distributed workers drain.
    Every player belongs to exactly one shard, so shards never share a player lock."""

    number: int
    count: int


class Worker:
    def __init__(self, database: Database, designs: DesignCache | None = None) -> None:
        self.database = database
        self.designs = designs or DesignCache()
        self._hooks: list[ProcessedHook] = []
        self._projections: list[Projection] = []
        # Board scores commit with the batch; `leaderboards.mirror` (Redis) after it.
        self.leaderboards = LeaderboardProjection(self.designs)
        self.leagues = LeagueProjection(self.designs)

    def project(self, session: Session, results: Sequence[Processed]) -> None:
        """Move the boards and leagues by what `results` did, in `session`'s transaction
        (the mirror to Redis follows its commit)."""
        self.leaderboards.project(session, results)
        self.leagues.project(session, results)
        for projection in self._projections:
            projection(session, results)

    def add_projection(self, projection: Projection) -> None:
        """Write `projection`'s rows in each batch's transaction, after the boards and
        leagues (a module's outbox: its rows commit with the effects, or not at all). It
        runs under the batch's player locks and must take no other row lock first."""
        self._projections.append(projection)

    def on_processed(self, hook: ProcessedHook) -> None:
        """Called after commit with what a batch did (leaderboards, notifications)."""
        self._hooks.append(hook)

    def drain(
        self,
        *,
        player_ids: Sequence[int] | None = None,
        up_to_seq: int | None = None,
        batch: int = 500,
        shard: Shard | None = None,
    ) -> int:
        """Process pending events until none are left (within the filter); returns how many."""
        total = 0
        while True:
            done = self.process_batch(
                player_ids=player_ids, up_to_seq=up_to_seq, limit=batch, shard=shard
            )
            total += done
            if done == 0:
                return total

    def process_batch(
        self,
        *,
        player_ids: Sequence[int] | None = None,
        up_to_seq: int | None = None,
        limit: int = 500,
        shard: Shard | None = None,
    ) -> int:
        """Process up to `limit` pending events in one transaction; returns how many.

        If the batch fails for a reason other than the database being unreachable, it
        is retried one event at a time, and an event that still fails is marked failed
        with the reason: one poisoned event must not hold up every event behind it."""
        try:
            return self._commit_batch(player_ids, up_to_seq, limit, shard)
        except Exception as error:
            if unavailable(error):
                raise  # the database is away or busy: everything stays pending for a retry
            log.exception("a processing batch failed; retrying its events one by one")
        done = 0
        for _ in range(limit):
            seq = self._next_pending(player_ids, up_to_seq, shard)
            if seq is None:
                break
            try:
                # Exactly this event (or nothing, if another worker got to it first).
                done += self._commit_batch(player_ids, seq, 1, shard)
            except Exception as error:
                if unavailable(error):
                    raise
                log.exception("event %s could not be processed; marking it failed", seq)
                done += self._fail(seq)
        return done

    def _next_pending(
        self, player_ids: Sequence[int] | None, up_to_seq: int | None, shard: Shard | None
    ) -> int | None:
        text, params = _pending_query("seq", player_ids, up_to_seq, shard, 1)
        with self.database.reader() as session:
            found = BulkWriter(session).fetch(text, *params)
            return int(found[0][0]) if found else None

    def _commit_batch(
        self,
        player_ids: Sequence[int] | None,
        up_to_seq: int | None,
        limit: int,
        shard: Shard | None = None,
    ) -> int:
        if self.database.dialect == "sqlite" and shard is None:
            done = self._optimistic_batch(player_ids, up_to_seq, limit)
            if done is not None:
                return done
        with self.database.transaction() as session:
            results = _process_batch(session, self.designs, player_ids, up_to_seq, limit, shard)
            self.project(session, results)
            self._after_commit(session, results)
            return len(results)

    def _optimistic_batch(
        self, player_ids: Sequence[int] | None, up_to_seq: int | None, limit: int
    ) -> int | None:
        """SQLite has one writer for the whole database, so the batch is read and scored
        on a snapshot, and the write lock is taken only to write. If any of its events
        was processed meanwhile (by another process), nothing is written and None says
        to redo the batch under the lock."""
        with self.database.reader() as session:
            events = _pending_events(BulkWriter(session), player_ids, up_to_seq, limit)
            if not events:
                return 0
            batch = Batch.load(session, self.designs, events)
        results = [batch.run(row) for row in events]
        try:
            with self.database.transaction() as session:
                if not batch.write(session, verify=True):
                    raise _Overtaken
                self.project(session, results)
                self._after_commit(session, results)
        except _Overtaken:
            return None
        return len(results)

    def _after_commit(self, session: Session, results: list[Processed]) -> None:
        if results:
            for hook in self._hooks:
                after_commit(session, lambda hook=hook: hook(results))  # type: ignore[misc]

    def _fail(self, seq: int) -> int:
        with self.database.transaction() as session:
            result = session.connection().execute(
                update(EventRow)
                .where(EventRow.seq == seq, EventRow.status == PENDING)
                .values(
                    status=FAILED,
                    processed_at=datetime.now(UTC),
                    effects=[],
                    error="internal error while processing this event; see the server log",
                )
            )
            return int(result.rowcount)


def _pending_query(
    columns: str,
    player_ids: Sequence[int] | None,
    up_to_seq: int | None,
    shard: Shard | None,
    limit: int | None,
) -> tuple[str, list[Any]]:
    """`columns` of the pending events within the filter, oldest first, for BulkWriter.
    Plain SQL: a batch's few reads cost more to build through SQLAlchemy than to run."""
    where = "status = 'pending'"  # a literal, so that the partial index always applies
    params: list[Any] = []
    if shard is not None:
        where += " AND player_id % ? = ?"
        params += [shard.count, shard.number]
    if player_ids is not None:
        where += " AND player_id IN ?list"
        params.append(list(player_ids))
    if up_to_seq is not None:
        where += " AND seq <= ?"
        params.append(up_to_seq)
    text = f"SELECT {columns} FROM events WHERE {where} ORDER BY seq"  # noqa: S608 (fixed clauses)
    if limit is not None:
        text += " LIMIT ?"
        params.append(limit)
    return text, params


class _PendingEvent(NamedTuple):
    seq: int
    app_id: int
    player_id: int
    type: str
    occurred_at: datetime
    time_zone: str
    properties: dict[str, Any]
    item_key: str | None
    received_at: datetime


def _pending_events(
    bulk: BulkWriter, player_ids: Sequence[int] | None, up_to_seq: int | None, limit: int | None
) -> list[_PendingEvent]:
    """The oldest pending events (within the filter), read as plain rows."""
    text, params = _pending_query(
        "seq, app_id, player_id, type, occurred_at, time_zone, properties, item_key, received_at",
        player_ids,
        up_to_seq,
        None,
        limit,
    )
    return [
        _PendingEvent(
            seq,
            app_id,
            player_id,
            type_,
            _utc(occurred_at),
            time_zone,
            properties if isinstance(properties, dict) else loads_json(properties),
            item_key,
            _utc(received_at),
        )
        for (
            seq,
            app_id,
            player_id,
            type_,
            occurred_at,
            time_zone,
            properties,
            item_key,
            received_at,
        ) in bulk.fetch(text, *params)
    ]


def _utc(value: Any) -> datetime:
    stamp = as_utc(value)
    assert stamp is not None
    return stamp


def _process_batch(
    session: Session,
    designs: DesignCache,
    player_ids: Sequence[int] | None,
    up_to_seq: int | None,
    limit: int,
    shard: Shard | None = None,
) -> list[Processed]:
    bulk = BulkWriter(session)
    text, params = _pending_query("seq, player_id", player_ids, up_to_seq, shard, limit)
    picked = bulk.fetch(text, *params)
    if not picked:
        return []
    locked = sorted({player_id for _, player_id in picked})
    last_seq = max(seq for seq, _ in picked)
    if bulk.postgres:
        # FOR NO KEY UPDATE, not FOR UPDATE: appending an event takes FOR KEY SHARE on its
        # player (the foreign key check), in the batch's order; FOR UPDATE would conflict
        # with it and deadlock a worker against ingestion. Workers still exclude each other.
        bulk.fetch("SELECT id FROM players WHERE id IN ?list ORDER BY id FOR NO KEY UPDATE", locked)
    # Re-read under the lock: another worker may have processed some meanwhile, and an
    # earlier event of a locked player must go first to keep per-player order.
    events = _pending_events(bulk, locked, last_seq, None)
    if not events:
        return []

    batch = Batch.load(session, designs, events)
    results = [batch.run(row) for row in events]
    batch.write(session)
    return results


class _Overtaken(Exception):
    """Another processor got to some of the batch's events first."""
