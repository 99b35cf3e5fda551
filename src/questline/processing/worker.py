"""Apply the engine to pending events: load state, process, write effects — all in
one transaction per batch, so an event's processed mark and its effects commit
together or not at all.

Lock order (PostgreSQL): player rows by ascending id, taken before anything is
written. Every writer follows it, so two workers can wait on each other but never
deadlock. SQLite takes its database-wide write lock at BEGIN IMMEDIATE instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from questline.engine.compiler import CompiledDesign
from questline.engine.effects import (
    CurrencyAwarded,
    Effects,
    MetricIncremented,
    RuleFired,
)
from questline.engine.expressions import coerce_value
from questline.engine.periods import local_date, period_keys
from questline.engine.process import EventRejected, step
from questline.engine.state import EARNED_TODAY, METRIC, RULE, Balance, Event, Item, PlayerState
from questline.processing.designs import DesignCache
from questline.storage.bulk import BulkWriter
from questline.storage.database import Database, after_commit
from questline.storage.items import items_by_key
from questline.storage.models import Event as EventRow
from questline.storage.models import Player, RuleState
from questline.storage.types import loads_json

log = logging.getLogger(__name__)
PENDING, PROCESSED, FAILED = "pending", "processed", "failed"
_EVENT_COLUMNS = (
    EventRow.seq,
    EventRow.app_id,
    EventRow.player_id,
    EventRow.type,
    EventRow.occurred_at,
    EventRow.time_zone,
    EventRow.properties,
    EventRow.item_key,
)


@dataclass(slots=True)
class Processed:
    seq: int
    app_id: int
    player_id: int
    status: str
    effects: Effects | None


ProcessedHook = Callable[[list[Processed]], None]


class Worker:
    def __init__(self, database: Database, designs: DesignCache | None = None) -> None:
        self.database = database
        self.designs = designs or DesignCache()
        self._hooks: list[ProcessedHook] = []

    def on_processed(self, hook: ProcessedHook) -> None:
        """Called after commit with what a batch did (leaderboards, notifications)."""
        self._hooks.append(hook)

    def drain(
        self,
        *,
        player_ids: Sequence[int] | None = None,
        up_to_seq: int | None = None,
        batch: int = 500,
    ) -> int:
        """Process pending events until none are left (within the filter); returns how many."""
        total = 0
        while True:
            done = self.process_batch(player_ids=player_ids, up_to_seq=up_to_seq, limit=batch)
            total += done
            if done == 0:
                return total

    def process_batch(
        self,
        *,
        player_ids: Sequence[int] | None = None,
        up_to_seq: int | None = None,
        limit: int = 500,
    ) -> int:
        """Process up to `limit` pending events in one transaction; returns how many.

        If the batch fails for a reason other than the database being unreachable, it
        is retried one event at a time, and an event that still fails is marked failed
        with the reason: one poisoned event must not hold up every event behind it."""
        try:
            return self._commit_batch(player_ids, up_to_seq, limit)
        except (OperationalError, InterfaceError):
            raise  # the database is away or busy: everything stays pending for a retry
        except Exception:
            log.exception("a processing batch failed; retrying its events one by one")
        done = 0
        for _ in range(limit):
            seq = self._next_pending(player_ids, up_to_seq)
            if seq is None:
                break
            try:
                # Exactly this event (or nothing, if another worker got to it first).
                done += self._commit_batch(player_ids, seq, 1)
            except (OperationalError, InterfaceError):
                raise
            except Exception:
                log.exception("event %s could not be processed; marking it failed", seq)
                done += self._fail(seq)
        return done

    def _next_pending(self, player_ids: Sequence[int] | None, up_to_seq: int | None) -> int | None:
        with self.database.reader() as session:
            statement = _pending(player_ids, up_to_seq).with_only_columns(EventRow.seq).limit(1)
            seq: int | None = session.scalar(statement)
            return seq

    def _commit_batch(
        self, player_ids: Sequence[int] | None, up_to_seq: int | None, limit: int
    ) -> int:
        if self.database.dialect == "sqlite":
            done = self._optimistic_batch(player_ids, up_to_seq, limit)
            if done is not None:
                return done
        with self.database.transaction() as session:
            results = _process_batch(session, self.designs, player_ids, up_to_seq, limit)
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
            events = _sqlite_pending(session, player_ids, up_to_seq, limit)
            if not events:
                return 0
            batch = _Batch.load(session, self.designs, events)
        results = [batch.run(row) for row in events]
        try:
            with self.database.transaction() as session:
                if not batch.write(session, verify=True):
                    raise _Overtaken
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


def _pending(player_ids: Sequence[int] | None, up_to_seq: int | None) -> Select[Any]:
    statement = select(EventRow.seq, EventRow.player_id).where(EventRow.status == PENDING)
    if player_ids is not None:
        statement = statement.where(EventRow.player_id.in_(player_ids))
    if up_to_seq is not None:
        statement = statement.where(EventRow.seq <= up_to_seq)
    return statement.order_by(EventRow.seq)


class _PendingEvent(NamedTuple):
    seq: int
    app_id: int
    player_id: int
    type: str
    occurred_at: datetime
    time_zone: str
    properties: dict[str, Any]
    item_key: str | None


def _sqlite_pending(
    session: Session, player_ids: Sequence[int] | None, up_to_seq: int | None, limit: int
) -> list[_PendingEvent]:
    """The oldest pending events, read without ORM rows (SQLite's storage formats)."""
    text = (
        "SELECT seq, app_id, player_id, type, occurred_at, time_zone, properties, item_key"
        " FROM events WHERE status = 'pending'"
    )
    params: list[Any] = []
    if player_ids is not None:
        text += " AND player_id IN ?list"
        params.append(list(player_ids))
    if up_to_seq is not None:
        text += " AND seq <= ?"
        params.append(up_to_seq)
    text += " ORDER BY seq LIMIT ?"
    params.append(limit)
    return [
        _PendingEvent(
            seq,
            app_id,
            player_id,
            type_,
            datetime.fromisoformat(occurred_at).replace(tzinfo=UTC),
            time_zone,
            loads_json(properties),
            item_key,
        )
        for seq, app_id, player_id, type_, occurred_at, time_zone, properties, item_key in (
            BulkWriter(session).fetch(text, *params)
        )
    ]


def _process_batch(
    session: Session,
    designs: DesignCache,
    player_ids: Sequence[int] | None,
    up_to_seq: int | None,
    limit: int,
) -> list[Processed]:
    picked = session.execute(_pending(player_ids, up_to_seq).limit(limit)).all()
    if not picked:
        return []
    locked = sorted({player_id for _, player_id in picked})
    last_seq = max(seq for seq, _ in picked)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(Player.id).where(Player.id.in_(locked)).order_by(Player.id).with_for_update()
        )
    # Re-read under the lock: another worker may have processed some meanwhile, and an
    # earlier event of a locked player must go first to keep per-player order.
    events = session.execute(
        select(*_EVENT_COLUMNS)
        .where(
            EventRow.status == PENDING,
            EventRow.player_id.in_(locked),
            EventRow.seq <= last_seq,
        )
        .order_by(EventRow.seq)
    ).all()
    if not events:
        return []

    batch = _Batch.load(session, designs, events)
    results = [batch.run(row) for row in events]
    batch.write(session)
    return results


class _Overtaken(Exception):
    """Another processor got to some of the batch's events first."""


class _Batch:
    """The state of every player in a batch, kept in memory while the batch runs."""

    def __init__(self) -> None:
        self.states: dict[int, PlayerState] = {}
        self.designs: dict[int, CompiledDesign] = {}
        self.items: dict[tuple[int, str], Item] = {}
        self.now = datetime.now(UTC)
        # Rows to write, as tuples in the column order of the statements in write().
        self.ledger: list[tuple[Any, ...]] = []
        self.event_updates: list[tuple[int, str, int | None, list[Any], str | None]] = []
        self.touched_balances: set[tuple[int, str]] = set()
        self.touched_counters: set[tuple[int, str, str]] = set()
        self.touched_rules: set[tuple[int, str]] = set()
        self.app_of_player: dict[int, int] = {}

    @classmethod
    def load(cls, session: Session, designs: DesignCache, events: Sequence[Any]) -> _Batch:
        batch = cls()
        player_ids = {row.player_id for row in events}
        periods: set[str] = set()
        for row in events:
            periods.update(period_keys(local_date(row.occurred_at, row.time_zone)).values())
            batch.app_of_player[row.player_id] = row.app_id
        batch.designs = designs.current(session, {row.app_id for row in events})
        for app_id in {row.app_id for row in events}:
            keys = {row.item_key for row in events if row.app_id == app_id and row.item_key}
            for key, item in items_by_key(session, app_id, keys).items():
                attributes = {
                    k: v
                    for k, v in ((k, coerce_value(v)) for k, v in item.attributes.items())
                    if v is not None
                }
                batch.items[(app_id, key)] = Item(item.key, item.kind, attributes)

        batch.states = {pid: PlayerState(str(pid)) for pid in player_ids}
        # Thousands of rows per batch: read as plain tuples, without ORM row objects.
        bulk = BulkWriter(session)
        ids = sorted(player_ids)
        balances = (
            "SELECT player_id, currency, balance, earned FROM balances WHERE player_id IN ?list"
        )
        for player_id, currency, balance, earned in bulk.fetch(balances, ids):
            batch.states[player_id].balances[currency] = Balance(balance, earned)
        counters = (
            "SELECT player_id, key, period, value FROM counters"
            " WHERE player_id IN ?list AND period IN ?list"
        )
        for player_id, key, period, value in bulk.fetch(counters, ids, sorted(periods)):
            batch.states[player_id].counters[(key, period)] = value
        if not any(rule.spec.cooldown for d in batch.designs.values() for rule in d.rules):
            return batch  # only cool-downs read when a rule last fired
        rules = select(RuleState.player_id, RuleState.rule_id, RuleState.last_fired_at).where(
            RuleState.player_id.in_(player_ids)
        )
        for player_id, rule_id, last_fired_at in session.execute(rules):
            batch.states[player_id].rule_fired_at[rule_id] = last_fired_at
        return batch

    def run(self, row: Any) -> Processed:
        design = self.designs.get(row.app_id)
        state = self.states[row.player_id]
        if design is None:
            # No design published yet: the event stays in the log, scored by nothing.
            self.event_updates.append((row.seq, PROCESSED, None, [], None))
            return Processed(row.seq, row.app_id, row.player_id, PROCESSED, None)
        properties = {}
        for name, raw in row.properties.items():
            value = coerce_value(raw)
            if value is not None:
                properties[name] = value
        event = Event(
            seq=row.seq,
            type=row.type,
            occurred_at=row.occurred_at,
            time_zone=row.time_zone,
            properties=properties,
            item=self.items.get((row.app_id, row.item_key)) if row.item_key else None,
        )
        try:
            effects, self.states[row.player_id] = step(state, event, design)
        except EventRejected as rejected:
            self.event_updates.append((row.seq, FAILED, design.version, [], str(rejected)))
            return Processed(row.seq, row.app_id, row.player_id, FAILED, None)
        self._track(row, effects)
        self.event_updates.append((row.seq, PROCESSED, design.version, effects.to_list(), None))
        return Processed(row.seq, row.app_id, row.player_id, PROCESSED, effects)

    def _track(self, row: Any, effects: Effects) -> None:
        """Note which rows the effects touched, and the ledger entries they make."""
        for effect in effects.items:
            if isinstance(effect, CurrencyAwarded):
                self.touched_balances.add((row.player_id, effect.currency))
                if effect.earned_today is not None:
                    self.touched_counters.add(
                        (row.player_id, EARNED_TODAY + effect.currency, effect.earned_today[0])
                    )
                if effect.amount != 0:
                    self.ledger.append(
                        (
                            row.app_id,
                            row.player_id,
                            effect.currency,
                            effect.amount,
                            effect.balance_after,
                            effect.rule,
                            row.seq,
                            effects.config_version,
                            effect.explanation,
                            effect.breakdown,
                        )
                    )
            elif isinstance(effect, MetricIncremented):
                for period in effect.values:
                    self.touched_counters.add((row.player_id, METRIC + effect.metric, period))
            elif isinstance(effect, RuleFired):
                if effect.at is not None:
                    self.touched_rules.add((row.player_id, effect.rule))
                for period in effect.counts:
                    self.touched_counters.add((row.player_id, RULE + effect.rule, period))

    def write(self, session: Session, *, verify: bool = False) -> bool:
        """Write the batch. With `verify`, False (roll back: nothing is worth keeping) if
        any of its events is no longer pending, i.e. another processor got there first."""
        bulk = BulkWriter(session)
        now = bulk.timestamp(self.now)
        marked = bulk.executemany(
            "UPDATE events SET status = ?, processed_at = ?, config_version = ?,"
            " effects = ?json, error = ? WHERE seq = ? AND status = 'pending'",
            [
                (status, now, version, bulk.json(effects), error, seq)
                for seq, status, version, effects, error in self.event_updates
            ],
        )
        if verify and marked != len(self.event_updates):
            return False
        bulk.executemany(
            "INSERT INTO ledger_entries (app_id, player_id, currency, amount, balance_after, cause,"
            " cause_id, event_seq, config_version, explanation, breakdown, created_at)"
            " VALUES (?, ?, ?, ?, ?, 'rule', ?, ?, ?, ?, ?json, ?)",
            [(*entry[:-1], bulk.json(entry[-1]), now) for entry in self.ledger],
        )
        bulk.executemany(
            "INSERT INTO balances (player_id, currency, balance, earned) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (player_id, currency)"
            " DO UPDATE SET balance = excluded.balance, earned = excluded.earned",
            [
                (pid, currency, held.balance, held.earned)
                for pid, currency in self.touched_balances
                for held in [self.states[pid].balance(currency)]
            ],
        )
        bulk.executemany(
            "INSERT INTO counters (player_id, key, period, value) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (player_id, key, period) DO UPDATE SET value = excluded.value",
            [
                (pid, key, period, self.states[pid].counters[(key, period)])
                for pid, key, period in self.touched_counters
            ],
        )
        bulk.executemany(
            "INSERT INTO rule_states (player_id, rule_id, last_fired_at) VALUES (?, ?, ?)"
            " ON CONFLICT (player_id, rule_id)"
            " DO UPDATE SET last_fired_at = excluded.last_fired_at",
            [
                (pid, rule, bulk.timestamp(self.states[pid].rule_fired_at[rule]))
                for pid, rule in self.touched_rules
            ],
        )
        return True
