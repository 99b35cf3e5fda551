"""Ingestion: make events durable in the log, idempotently, before answering.

Log order is commit order, per player. An event's seq comes from a counter when it is
inserted, and workers process a player's pending events in seq order, so an append must
never commit a player's event with a lower seq than one already visible: a worker would
have processed the later event first. SQLite cannot: its writers hold the database's
write lock from BEGIN IMMEDIATE to commit. On PostgreSQL appends run concurrently, so
each takes its turn on its players (`_take_turn`) before taking seqs, and keeps it
until it commits; appends for other players still run side by side.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from questline.errors import InvalidInput, QuestlineError
from questline.storage.bulk import BulkWriter, as_utc
from questline.storage.models import Player


@dataclass(frozen=True)
class Profile:
    display_name: str | None = None
    time_zone: str | None = None
    locale: str | None = None
    avatar_url: str | None = None


@dataclass(frozen=True)
class NewEvent:
    type: str
    player: str
    key: str | None = None
    occurred_at: datetime | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    item: str | None = None
    profile: Profile | None = None


@dataclass
class Ingested:
    """What became of one event: appended (seq), a replay of a known key, or rejected."""

    key: str | None
    received_at: datetime
    seq: int | None = None
    player_id: int | None = None
    duplicate: bool = False
    error: QuestlineError | None = None


def new_event_key() -> str:
    return f"evt_{uuid.uuid4().hex}"


def ingest(
    session: Session, app_id: int, events: Sequence[NewEvent], now: datetime
) -> list[Ingested]:
    """Append events to the log. One result per event, in order; a bad event does not
    stop the others. A replay of a known key appends nothing, changes no player and
    says `duplicate`; so does a key repeated within one call (the first one counts)."""
    results = [Ingested(key=event.key, received_at=now) for event in events]
    bulk = BulkWriter(session)
    known_items = active_items(bulk, app_id, {e.item for e in events if e.item})
    existing = _existing(bulk, app_id, {e.key for e in events if e.key})
    first_of_key: dict[str, int] = {}
    fresh: list[int] = []
    for index, (event, result) in enumerate(zip(events, results, strict=True)):
        if (event.key is not None and event.key in existing) or (
            event.key is not None and event.key in first_of_key
        ):
            result.duplicate = True
        elif (problem := item_problem(event, known_items)) is not None:
            result.error = problem
        else:
            result.key = event.key or new_event_key()
            first_of_key[result.key] = index
            fresh.append(index)

    players = _resolve_players(session, app_id, [events[i] for i in fresh], now)
    if bulk.postgres and fresh:
        _take_turn(bulk, app_id, {players[events[i].player][0] for i in fresh})
    stamp = bulk.timestamp(now)
    rows = []
    for index in fresh:
        event, result = events[index], results[index]
        result.player_id, time_zone = players[event.player]
        occurred = bulk.timestamp(event.occurred_at) if event.occurred_at else stamp
        rows.append(
            (
                app_id,
                result.key,
                result.player_id,
                event.type,
                occurred,
                stamp,
                time_zone,
                bulk.json(event.properties),
                event.item,
            )
        )
    # Plain multi-row INSERTs: SQLAlchemy's per-parameter processing cost more than the
    # insert itself at a thousand events per request.
    inserted: dict[str, int] = dict(
        bulk.insert_returning(
            "INSERT INTO events (app_id, key, player_id, type, occurred_at, received_at,"
            " time_zone, properties, item_key, status)",
            "(?, ?, ?, ?, ?, ?, ?, ?json, ?, 'pending')",
            "ON CONFLICT (app_id, key) DO NOTHING RETURNING key, seq",
            rows,
        )
    )

    # A key another request appended between our check and our insert is a replay too.
    raced = {results[i].key for i in fresh if results[i].key not in inserted}
    existing.update(_existing(bulk, app_id, {k for k in raced if k is not None}))
    appended = set(fresh)
    for index, result in enumerate(results):
        if result.error is not None:
            continue
        if index in appended and result.key in inserted:
            result.seq = inserted[result.key]
            continue
        result.duplicate = True
        key = result.key
        if key in existing:
            result.seq, result.player_id, result.received_at = existing[key]
        elif key in first_of_key:  # repeated within this call: the first one's result
            first = results[first_of_key[key]]
            result.seq, result.player_id = first.seq, first.player_id
    return results


# Advisory lock spaces (the first key of the two-key form); they only need to differ
# from those of any other program that takes advisory locks in the same database.
_APP_APPENDS = 0x514C4101
_PLAYER_APPENDS = 0x514C4102
# An append for more players than this takes the app's turn instead of one per player:
# PostgreSQL's lock table holds about max_locks_per_transaction (64 by default) locks
# per connection, and a batch of 1,000 events may name 1,000 players.
MAX_PLAYER_TURNS = 32


def _take_turn(bulk: BulkWriter, app_id: int, player_ids: set[int]) -> None:
    """Wait until no other uncommitted append holds any of these players, and hold them
    until this transaction ends (PostgreSQL advisory locks, released at commit or
    rollback). Two levels, the coarse one always first, so appends never deadlock: a
    small append shares the app's lock and holds its players' locks (in ascending key
    order); a large one holds the app's lock alone. So an append waits only for an
    append of the same app that shares a player with it, or that is large; workers take
    none of these locks. Turns are taken once, before any seq: a transaction that called
    `ingest` twice could take its second turns out of order and deadlock."""
    if len(player_ids) > MAX_PLAYER_TURNS:
        bulk.fetch("SELECT pg_advisory_xact_lock(?, ?)", _APP_APPENDS, app_id)
        return
    # One statement, since under load every round trip counts: the app's lock (shared)
    # for the array's first element, then the players' in the array's order. The two-key
    # form takes 32-bit keys: players whose ids collide share a turn, which only makes
    # one wait for the other now and then.
    keys = sorted({player_id % 2**31 for player_id in player_ids})
    bulk.fetch(
        "SELECT count(CASE WHEN n = 1 THEN pg_advisory_xact_lock_shared(?, ?)"
        " ELSE pg_advisory_xact_lock(?, key) END)"
        " FROM (SELECT key, n FROM unnest(?::int4[]) WITH ORDINALITY AS keys (key, n)"
        " ORDER BY n) AS ordered",
        _APP_APPENDS,
        app_id,
        _PLAYER_APPENDS,
        [None, *keys],
    )


def active_items(bulk: BulkWriter, app_id: int, keys: set[str]) -> dict[str, bool]:
    """Item key -> active, for the items of the catalog among `keys`."""
    if not keys:
        return {}
    rows = bulk.fetch(
        "SELECT key, active FROM items WHERE app_id = ? AND key IN ?list AND deleted_at IS NULL",
        app_id,
        sorted(keys),
    )
    return {key: bool(active) for key, active in rows}


def item_problem(event: NewEvent, known: dict[str, bool]) -> QuestlineError | None:
    if event.item is None or known.get(event.item, False):
        return None
    return InvalidInput(
        f"unknown item '{event.item}'",
        errors=[{"loc": ["item"], "message": f"no active item with key '{event.item}'"}],
    )


def _existing(
    bulk: BulkWriter, app_id: int, keys: set[str]
) -> dict[str, tuple[int, int, datetime]]:
    if not keys:
        return {}
    rows = bulk.fetch(
        "SELECT key, seq, player_id, received_at FROM events WHERE app_id = ? AND key IN ?list",
        app_id,
        sorted(keys),
    )
    found: dict[str, tuple[int, int, datetime]] = {}
    for key, seq, player_id, received_at in rows:
        stamp = as_utc(received_at)
        assert stamp is not None
        found[key] = (seq, player_id, stamp)
    return found


def _resolve_players(
    session: Session, app_id: int, events: Sequence[NewEvent], now: datetime
) -> dict[str, tuple[int, str]]:
    """Create players on first sight and apply profile fields riding on events.
    Returns external id -> (player id, time zone after this request's changes)."""
    wanted = {event.player for event in events}
    if not wanted:
        return {}
    profiles: dict[str, Profile] = {}
    for event in events:
        if event.profile is not None:
            profiles[event.player] = _merge(profiles.get(event.player), event.profile)

    bulk = BulkWriter(session)

    def load() -> dict[str, list[Any]]:
        rows = bulk.fetch(
            "SELECT external_id, id, display_name, time_zone, locale, avatar_url FROM players"
            " WHERE app_id = ? AND external_id IN ?list",
            app_id,
            sorted(wanted),
        )
        return {row[0]: list(row[1:]) for row in rows}

    found = load()
    missing = wanted - found.keys()
    if missing:
        stamp = bulk.timestamp(now)
        new_rows = []
        for external_id in sorted(missing):
            profile = profiles.get(external_id, Profile())
            new_rows.append(
                (
                    app_id,
                    external_id,
                    profile.display_name,
                    profile.time_zone or "UTC",
                    profile.locale,
                    profile.avatar_url,
                    stamp,
                    stamp,
                )
            )
        # DO NOTHING: a concurrent request may create the same player first.
        bulk.executemany(
            "INSERT INTO players (app_id, external_id, display_name, time_zone, locale,"
            " avatar_url, attributes, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, '{}', ?, ?)"
            " ON CONFLICT (app_id, external_id) DO NOTHING",
            new_rows,
        )
        found = load()

    # In ascending player id: the lock order every writer of player rows follows.
    for external_id, profile in sorted(profiles.items(), key=lambda kv: found[kv[0]][0]):
        player_id, *current = found[external_id]
        given = [profile.display_name, profile.time_zone, profile.locale, profile.avatar_url]
        changed = {
            name: value
            for name, value, before in zip(
                ("display_name", "time_zone", "locale", "avatar_url"), given, current, strict=True
            )
            if value is not None and value != before
        }
        if changed:
            session.execute(
                update(Player).where(Player.id == player_id).values(updated_at=now, **changed)
            )
            kept = [
                new if new is not None else old for new, old in zip(given, current, strict=True)
            ]
            found[external_id] = [player_id, *kept]
    return {external_id: (row[0], row[2]) for external_id, row in found.items()}


def _merge(earlier: Profile | None, later: Profile) -> Profile:
    if earlier is None:
        return later
    return Profile(
        later.display_name or earlier.display_name,
        later.time_zone or earlier.time_zone,
        later.locale or earlier.locale,
        later.avatar_url or earlier.avatar_url,
    )
