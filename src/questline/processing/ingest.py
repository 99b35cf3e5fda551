"""Ingestion: make events durable in the log, idempotently, before answering."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from questline.errors import InvalidInput, QuestlineError
from questline.storage.items import items_by_key
from questline.storage.models import Event, Player
from questline.storage.upsert import insert_ignoring_conflicts


@dataclass(frozen=True)
class Profile:
    display_name: str | None = None
    time_zone: str | None = None
    locale: str | None = None


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
    key: str
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
    stop the others. Replays of a known key award nothing and say `duplicate`."""
    results = [Ingested(key=event.key or new_event_key()) for event in events]
    known_items = items_by_key(session, app_id, {e.item for e in events if e.item})
    first_of_key: dict[str, int] = {}
    accepted: list[int] = []
    for index, (event, result) in enumerate(zip(events, results, strict=True)):
        if event.item is not None and (
            event.item not in known_items or not known_items[event.item].active
        ):
            result.error = InvalidInput(
                f"unknown item '{event.item}'",
                errors=[{"loc": ["item"], "message": f"no active item with key '{event.item}'"}],
            )
        elif result.key in first_of_key:
            result.duplicate = True  # same key twice in one request: the first one counts
        else:
            first_of_key[result.key] = index
            accepted.append(index)

    players = _resolve_players(session, app_id, [events[i] for i in accepted], now)
    rows = []
    for index in accepted:
        event = events[index]
        player_id, time_zone = players[event.player]
        results[index].player_id = player_id
        rows.append(
            {
                "app_id": app_id,
                "key": results[index].key,
                "player_id": player_id,
                "type": event.type,
                "occurred_at": event.occurred_at or now,
                "received_at": now,
                "time_zone": time_zone,
                "properties": event.properties,
                "item_key": event.item,
                "status": "pending",
            }
        )
    inserted: dict[str, int] = {}
    if rows:
        statement = insert_ignoring_conflicts(session, Event, ["app_id", "key"])
        found = session.execute(statement.returning(Event.key, Event.seq), rows)
        inserted = {key: seq for key, seq in found.tuples()}  # noqa: C416

    replayed = {results[i].key for i in accepted if results[i].key not in inserted}
    existing = _existing(session, app_id, replayed | {r.key for r in results if r.duplicate})
    for result in results:
        if result.error is not None:
            continue
        if result.key in inserted and not result.duplicate:
            result.seq = inserted[result.key]
        else:
            result.duplicate = True
            result.seq, result.player_id = existing.get(
                result.key, (inserted.get(result.key), None)
            )
            if result.player_id is None and result.seq is not None:
                result.player_id = players[events[first_of_key[result.key]].player][0]
    return results


def _existing(session: Session, app_id: int, keys: set[str]) -> dict[str, tuple[int, int]]:
    if not keys:
        return {}
    rows = session.execute(
        select(Event.key, Event.seq, Event.player_id).where(
            Event.app_id == app_id, Event.key.in_(keys)
        )
    )
    return {key: (seq, player_id) for key, seq, player_id in rows}


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

    def load() -> dict[str, dict[str, Any]]:
        rows = session.execute(
            select(
                Player.external_id,
                Player.id,
                Player.display_name,
                Player.time_zone,
                Player.locale,
            ).where(Player.app_id == app_id, Player.external_id.in_(wanted))
        )
        return {row.external_id: dict(row._mapping) for row in rows}

    found = load()
    missing = wanted - found.keys()
    if missing:
        new_rows = []
        for external_id in sorted(missing):
            profile = profiles.get(external_id, Profile())
            new_rows.append(
                {
                    "app_id": app_id,
                    "external_id": external_id,
                    "display_name": profile.display_name,
                    "time_zone": profile.time_zone or "UTC",
                    "locale": profile.locale,
                    "attributes": {},
                    "created_at": now,
                    "updated_at": now,
                }
            )
        statement = insert_ignoring_conflicts(session, Player, ["app_id", "external_id"])
        session.execute(statement, new_rows)
        found = load()

    for external_id, profile in profiles.items():
        player = found[external_id]
        values = {
            name: value
            for name, value in (
                ("display_name", profile.display_name),
                ("time_zone", profile.time_zone),
                ("locale", profile.locale),
            )
            if value is not None and player[name] != value
        }
        if values:
            session.execute(
                update(Player).where(Player.id == player["id"]).values(updated_at=now, **values)
            )
            player.update(values)
    return {external_id: (p["id"], p["time_zone"]) for external_id, p in found.items()}


def _merge(earlier: Profile | None, later: Profile) -> Profile:
    if earlier is None:
        return later
    return Profile(
        later.display_name or earlier.display_name,
        later.time_zone or earlier.time_zone,
        later.locale or earlier.locale,
    )
