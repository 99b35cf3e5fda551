"""Preview: what events would do for their players now, under the current design or a
draft. Scored by the code live processing uses (`processing.batch.Batch`), on the
players' state as processed so far, and written nowhere."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from questline.engine.compiler import CompiledDesign
from questline.errors import Conflict, ProcessingFailed
from questline.processing.batch import FAILED, Batch
from questline.processing.designs import DesignCache
from questline.processing.ingest import NewEvent, active_items, item_problem
from questline.services.designs import check_document
from questline.storage.bulk import BulkWriter

MAX_PREVIEW_EVENTS = 1000


@dataclass(frozen=True)
class PreviewResult:
    index: int
    id: str | None
    player: str
    status: str  # processed, failed (the design cannot score it) or rejected (never logged)
    effects: list[dict[str, Any]] | None
    error: dict[str, Any] | None


@dataclass(frozen=True)
class Preview:
    config_version: int | None  # None: scored with the draft sent
    results: list[PreviewResult]


class _Row(NamedTuple):
    """An event as the batch reads it from the log, but never logged."""

    seq: int
    app_id: int
    player_id: int
    type: str
    occurred_at: datetime
    time_zone: str
    properties: dict[str, Any]
    item_key: str | None
    received_at: datetime


def preview_events(
    session: Session,
    designs: DesignCache,
    app_id: int,
    events: Sequence[NewEvent],
    *,
    draft: dict[str, Any] | None,
    now: datetime,
) -> Preview:
    """Score `events` in order, each seeing what the ones before it did (a daily cap
    fills up, a level is reached once), starting from each player's current state.

    An unknown player starts empty, as on their first event; an event naming an item
    that is not in the catalog is rejected, as `POST /v1/events` would reject it."""
    design = _design(session, designs, app_id, draft)
    bulk = BulkWriter(session)
    items = active_items(bulk, app_id, {event.item for event in events if event.item})
    players = _players(bulk, app_id, {event.player for event in events})

    rows: list[_Row | None] = []
    for seq, event in enumerate(events, start=1):
        if item_problem(event, items) is not None:
            rows.append(None)
            continue
        player_id, zone = players[event.player]
        if event.profile is not None and event.profile.time_zone is not None:
            zone = event.profile.time_zone  # ingestion applies a profile before scoring
            players[event.player] = (player_id, zone)
        occurred = event.occurred_at or now
        row = _Row(
            seq, app_id, player_id, event.type, occurred, zone, event.properties, event.item, now
        )
        rows.append(row)

    batch = Batch.load_with(session, {app_id: design}, [row for row in rows if row is not None])
    results = [
        _result(index, event, scored, batch, items)
        for index, (event, scored) in enumerate(zip(events, rows, strict=True))
    ]
    return Preview(None if draft is not None else design.version, results)


def _design(
    session: Session, designs: DesignCache, app_id: int, draft: dict[str, Any] | None
) -> CompiledDesign:
    if draft is not None:
        return check_document(draft, at=("design",))
    current = designs.current(session, {app_id}).get(app_id)
    if current is None:
        raise Conflict("no game design has been published yet: send a draft as `design`")
    return current


def _players(bulk: BulkWriter, app_id: int, names: set[str]) -> dict[str, tuple[int, str]]:
    """External id -> (player id, time zone). A player not seen yet gets an id no row
    has (negative), so the batch finds no state for them."""
    found: dict[str, tuple[int, str]] = {
        external_id: (player_id, zone)
        for external_id, player_id, zone in bulk.fetch(
            "SELECT external_id, id, time_zone FROM players"
            " WHERE app_id = ? AND external_id IN ?list",
            app_id,
            sorted(names),
        )
    }
    for number, name in enumerate(sorted(names - found.keys()), start=1):
        found[name] = (-number, "UTC")
    return found


def _result(
    index: int, event: NewEvent, row: _Row | None, batch: Batch, items: dict[str, bool]
) -> PreviewResult:
    if row is None:
        problem = item_problem(event, items)
        assert problem is not None
        error = problem.problem(at=["events", index])
        return PreviewResult(index, event.key, event.player, "rejected", None, error)
    done = batch.run(row)
    if done.status == FAILED:
        failure = ProcessingFailed(done.error or "").problem()
        return PreviewResult(index, event.key, event.player, FAILED, [], failure)
    assert done.effects is not None
    return PreviewResult(index, event.key, event.player, done.status, done.effects.to_list(), None)
