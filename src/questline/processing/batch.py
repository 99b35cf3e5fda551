"""One batch of events in memory: the players' state loaded once, every event scored
in sequence order against it, and the rows to write collected for one bulk write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from questline.engine.compiler import CompiledDesign
from questline.engine.effects import (
    BalanceOpened,
    CurrencyAwarded,
    Effects,
    MetricIncremented,
    RuleFired,
)
from questline.engine.expressions import coerce_value
from questline.engine.periods import local_date, period_keys
from questline.engine.process import EventRejected, step
from questline.engine.state import (
    EARNED_TODAY,
    METRIC,
    RULE,
    Balance,
    Event,
    Item,
    PlayerState,
    rule_earned_key,
)
from questline.processing import mechanics_rows
from questline.processing.designs import DesignCache
from questline.storage.bulk import BulkWriter
from questline.storage.inventories import load_boosts
from questline.storage.models import RuleState
from questline.storage.types import loads_json

PENDING, PROCESSED, FAILED = "pending", "processed", "failed"
# The ledger entry that opens a balance at its currency's floor. Its id holds a space,
# which no rule's id can, so it never meets a rule's entry of the same event.
OPENING, OPENING_ID = "opening", "starting balance"


@dataclass(slots=True)
class Processed:
    seq: int
    app_id: int
    player_id: int
    status: str
    effects: Effects | None
    occurred_at: datetime | None = None
    received_at: datetime | None = None  # when the API accepted the event
    error: str | None = None  # why the design could not score it (status FAILED)


def engine_event(row: Any, item: Item | None) -> Event:
    """A logged event (a row with seq, type, occurred_at, time_zone, properties) as the
    engine reads it: properties as expression values, those without a value left out."""
    properties = {}
    for name, raw in row.properties.items():
        value = coerce_value(raw)
        if value is not None:
            properties[name] = value
    return Event(
        seq=row.seq,
        type=row.type,
        occurred_at=row.occurred_at,
        time_zone=row.time_zone,
        properties=properties,
        item=item,
    )


def load_items(bulk: BulkWriter, app_id: int, keys: set[str]) -> dict[str, Item]:
    """The catalog's items among `keys` (inactive ones too: an event logged while an
    item was active is still scored with it)."""
    if not keys:
        return {}
    found: dict[str, Item] = {}
    items = (
        "SELECT key, kind, attributes FROM items"
        " WHERE app_id = ? AND key IN ?list AND deleted_at IS NULL"
    )
    for key, kind, stored in bulk.fetch(items, app_id, sorted(keys)):
        attributes = stored if isinstance(stored, dict) else loads_json(stored)
        found[key] = Item(
            key,
            kind,
            {
                k: v
                for k, v in ((k, coerce_value(v)) for k, v in attributes.items())
                if v is not None
            },
        )
    return found


class Batch:
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
        self.mechanics = mechanics_rows.MechanicsRows(self.touched_counters)
        # What a purchase, a refund or a use can change, as read: a batch scored on a
        # snapshot checks it still holds before writing (see write()).
        self.loaded_balances: dict[tuple[int, str], int] = {}
        self.loaded_boosts: set[tuple[int, int, datetime]] | None = None
        self.boosts_since: datetime | None = None

    @classmethod
    def load(cls, session: Session, designs: DesignCache, events: Sequence[Any]) -> Batch:
        return cls.load_with(
            session, designs.current(session, {row.app_id for row in events}), events
        )

    @classmethod
    def load_with(
        cls, session: Session, designs: dict[int, CompiledDesign], events: Sequence[Any]
    ) -> Batch:
        """A batch that scores `events` with these designs (app id -> design), its
        players' state read from `session`. A player id that has no row starts empty."""
        batch = cls()
        player_ids = {row.player_id for row in events}
        periods: set[str] = set()
        for row in events:
            periods.update(period_keys(local_date(row.occurred_at, row.time_zone)).values())
            batch.app_of_player[row.player_id] = row.app_id
        batch.designs = designs
        # Thousands of rows per batch: read as plain tuples, without ORM row objects.
        bulk = BulkWriter(session)
        for app_id in {row.app_id for row in events}:
            keys = {row.item_key for row in events if row.app_id == app_id and row.item_key}
            for key, item in load_items(bulk, app_id, keys).items():
                batch.items[(app_id, key)] = item

        batch.states = {pid: PlayerState(str(pid)) for pid in player_ids}
        ids = sorted(player_ids)
        balances = (
            "SELECT player_id, currency, balance, earned FROM balances WHERE player_id IN ?list"
        )
        for player_id, currency, balance, earned in bulk.fetch(balances, ids):
            batch.states[player_id].balances[currency] = Balance(balance, earned)
            batch.loaded_balances[(player_id, currency)] = balance
        if any(design.boosts for design in batch.designs.values()):
            batch._load_boosts(bulk, ids, min(row.occurred_at for row in events))
        counters = (
            "SELECT player_id, key, period, value FROM counters"
            " WHERE player_id IN ?list AND period IN ?list"
        )
        for player_id, key, period, value in bulk.fetch(counters, ids, sorted(periods)):
            batch.states[player_id].counters[(key, period)] = value
        if any(design.has_mechanics for design in batch.designs.values()):
            mechanics_rows.load(bulk, batch.states, ids, sorted(periods))
            batch.mechanics.remember_loaded(batch.states)
        if not any(rule.spec.cooldown for d in batch.designs.values() for rule in d.rules):
            return batch  # only cool-downs read when a rule last fired
        rules = select(RuleState.player_id, RuleState.rule_id, RuleState.last_fired_at).where(
            RuleState.player_id.in_(player_ids)
        )
        for player_id, rule_id, last_fired_at in session.execute(rules):
            batch.states[player_id].rule_fired_at[rule_id] = last_fired_at
        return batch

    def _load_boosts(self, bulk: BulkWriter, ids: list[int], since: datetime) -> None:
        self.boosts_since = since
        self.loaded_boosts = set()
        for player_id, windows in load_boosts(bulk, ids, since).items():
            self.states[player_id].boosts = tuple(window for _, window in windows)
            self.loaded_boosts.update((player_id, row_id, w.ends_at) for row_id, w in windows)

    def economy_unchanged(self, bulk: BulkWriter) -> bool:
        """Whether the balances and boosts this batch read still hold (no purchase, refund
        or use of an item changed them since)."""
        ids = sorted(self.states)
        now = {
            (player_id, currency): balance
            for player_id, currency, balance in bulk.fetch(
                "SELECT player_id, currency, balance FROM balances WHERE player_id IN ?list", ids
            )
        }
        if now != self.loaded_balances:
            return False
        if self.loaded_boosts is None or self.boosts_since is None:
            return True
        boosts = {
            (player_id, row_id, window.ends_at)
            for player_id, windows in load_boosts(bulk, ids, self.boosts_since).items()
            for row_id, window in windows
        }
        return boosts == self.loaded_boosts

    def run(self, row: Any) -> Processed:
        design = self.designs.get(row.app_id)
        state = self.states[row.player_id]
        if design is None:
            # No design published yet: the event stays in the log, scored by nothing.
            self.event_updates.append((row.seq, PROCESSED, None, [], None))
            return Processed(
                row.seq,
                row.app_id,
                row.player_id,
                PROCESSED,
                None,
                row.occurred_at,
                row.received_at,
            )
        item = self.items.get((row.app_id, row.item_key)) if row.item_key else None
        event = engine_event(row, item)
        try:
            effects, self.states[row.player_id] = step(state, event, design)
        except EventRejected as rejected:
            self.event_updates.append((row.seq, FAILED, design.version, [], str(rejected)))
            return Processed(
                row.seq,
                row.app_id,
                row.player_id,
                FAILED,
                None,
                row.occurred_at,
                row.received_at,
                error=str(rejected),
            )
        self.track(row, effects)
        self.event_updates.append((row.seq, PROCESSED, design.version, effects.to_list(), None))
        return Processed(
            row.seq, row.app_id, row.player_id, PROCESSED, effects, row.occurred_at, row.received_at
        )

    def track(self, row: Any, effects: Effects) -> None:
        """Note which rows the effects touched, and the ledger entries they make."""
        for effect in effects.items:
            if isinstance(effect, CurrencyAwarded):
                self.touched_balances.add((row.player_id, effect.currency))
                if effect.earned_today is not None:
                    self.touched_counters.add(
                        (row.player_id, EARNED_TODAY + effect.currency, effect.earned_today[0])
                    )
                if effect.rule_earned is not None:
                    key = rule_earned_key(effect.rule, effect.currency)
                    self.touched_counters.add((row.player_id, key, effect.rule_earned[0]))
                if effect.amount != 0:
                    self.ledger.append(
                        (
                            row.app_id,
                            row.player_id,
                            effect.currency,
                            effect.amount,
                            effect.balance_after,
                            effect.cause,
                            effect.rule.removeprefix(effect.cause + ":"),
                            row.seq,
                            effects.config_version,
                            effect.explanation,
                            effect.breakdown,
                        )
                    )
            elif isinstance(effect, BalanceOpened):
                self.touched_balances.add((row.player_id, effect.currency))
                self.ledger.append(
                    (
                        row.app_id,
                        row.player_id,
                        effect.currency,
                        effect.balance,
                        effect.balance,
                        OPENING,
                        OPENING_ID,
                        row.seq,
                        effects.config_version,
                        effect.explanation,
                        effect.breakdown,
                    )
                )
            elif isinstance(effect, MetricIncremented):
                key = METRIC + effect.metric
                for period in effect.values:
                    self.touched_counters.add((row.player_id, key, period))
            elif isinstance(effect, RuleFired):
                if effect.at is not None:
                    self.touched_rules.add((row.player_id, effect.rule))
                for period in effect.counts:
                    self.touched_counters.add((row.player_id, RULE + effect.rule, period))
            else:
                self.mechanics.track(row.app_id, row.player_id, row.seq, effects, effect)

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
        if verify and not self.mechanics.unchanged(bulk):
            return False  # an administrator changed a streak since it was read
        if verify and not self.economy_unchanged(bulk):
            return False  # a purchase, a refund or a use changed a balance or a boost
        bulk.executemany(
            "INSERT INTO ledger_entries (app_id, player_id, currency, amount, balance_after, cause,"
            " cause_id, event_seq, config_version, explanation, breakdown, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?json, ?)",
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
        self.mechanics.write(bulk, self.states, self.now)
        return True
