"""Run a dry run: every player in its scope, a chunk of players at a time, their logged
events replayed through the draft (`engine.dry_run`) and tallied against their live
balances and achievements. Reads the log and the live state; writes only its own row
(progress and the report so far after each chunk, so it can be read while it runs)."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import update

from questline.engine.compiler import compile_design
from questline.engine.dry_run import DryRunTally, Outcome, replay
from questline.engine.dry_run_boards import BoardScores, BoardTally
from questline.engine.state import AwardKey, Event
from questline.processing.batch import engine_event, load_items
from questline.processing.designs import DesignCache
from questline.services.dry_runs import FAILED, FINISHED, PENDING, RUNNING
from questline.storage.bulk import BulkWriter, as_utc
from questline.storage.database import Database
from questline.storage.models import DryRun
from questline.storage.types import loads_json

log = logging.getLogger(__name__)

CHUNK_PLAYERS = 200


class _Logged(NamedTuple):
    seq: int
    key: str
    player_id: int
    type: str
    occurred_at: datetime
    time_zone: str
    properties: dict[str, Any]
    item_key: str | None


def run_dry_run(
    database: Database, designs: DesignCache, run_id: int, *, chunk: int = CHUNK_PLAYERS
) -> None:
    """Run a pending dry run to the end (or to `failed`, with the reason)."""
    with database.transaction() as session:
        claimed = session.execute(
            update(DryRun)
            .where(DryRun.id == run_id, DryRun.status == PENDING)
            .values(status=RUNNING)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return  # already taken by another runner, or gone
        row = session.get(DryRun, run_id)
        assert row is not None
        app_id, document, as_of = row.app_id, row.document, row.created_at
        live_design = designs.current(session, {app_id}).get(app_id)
        players = _players_in_scope(BulkWriter(session), app_id, row.since, row.players)
        row.players_total = len(players)
    try:
        draft = compile_design(document)
        boards = None
        if draft.leaderboards:
            live_boards = live_design.leaderboards if live_design is not None else {}
            boards = BoardTally(live_boards, draft.leaderboards, as_utc(as_of) or as_of)
        tally = DryRunTally(live_design, draft, boards)
        for start in range(0, len(players), chunk):
            part = players[start : start + chunk]
            with database.reader() as session:
                _replay_chunk(BulkWriter(session), app_id, part, tally)
            _save(database, run_id, players_done=start + len(part), report=tally.report())
        _save(database, run_id, status=FINISHED, finished_at=datetime.now(UTC))
    except Exception as error:
        log.exception("dry run %s failed", run_id)
        _save(database, run_id, status=FAILED, finished_at=datetime.now(UTC), error=str(error))


def _save(database: Database, run_id: int, **values: Any) -> None:
    with database.transaction() as session:
        session.execute(update(DryRun).where(DryRun.id == run_id).values(**values))


def _players_in_scope(
    bulk: BulkWriter, app_id: int, since: datetime | None, names: list[str] | None
) -> list[tuple[int, str]]:
    """(player id, external id), by id: the players named, or those with an event since
    `since`, or every player of the app; each is replayed over their whole history."""
    text = "SELECT id, external_id FROM players WHERE app_id = ?"
    params: list[Any] = [app_id]
    if names is not None:
        text += " AND external_id IN ?list"
        params.append(sorted(set(names)) or [""])
    if since is not None:
        text += " AND id IN (SELECT player_id FROM events WHERE app_id = ? AND occurred_at >= ?)"
        params += [app_id, bulk.timestamp(since)]
    rows = bulk.fetch(text + " ORDER BY id", *params)
    return [(int(player_id), str(external_id)) for player_id, external_id in rows]


def _replay_chunk(
    bulk: BulkWriter, app_id: int, players: Sequence[tuple[int, str]], tally: DryRunTally
) -> None:
    ids = [player_id for player_id, _ in players]
    # Pending events have done nothing live yet: they are left out of both sides.
    logged = [
        _Logged(seq, key, player_id, type_, _utc(occurred), zone, _json(properties), item)
        for seq, key, player_id, type_, occurred, zone, properties, item in bulk.fetch(
            "SELECT seq, key, player_id, type, occurred_at, time_zone, properties, item_key"
            " FROM events WHERE app_id = ? AND player_id IN ?list AND status <> 'pending'"
            " ORDER BY player_id, seq",
            app_id,
            ids,
        )
    ]
    items = load_items(bulk, app_id, {row.item_key for row in logged if row.item_key})
    events: dict[int, list[Event]] = defaultdict(list)
    keys: dict[int, str] = {}
    for row in logged:
        events[row.player_id].append(
            engine_event(row, items.get(row.item_key) if row.item_key else None)
        )
        keys[row.seq] = row.key
    balances: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for player_id, currency, balance, earned in bulk.fetch(
        "SELECT player_id, currency, balance, earned FROM balances WHERE player_id IN ?list", ids
    ):
        balances[player_id][currency] = (balance, earned)
    awards: dict[int, set[AwardKey]] = defaultdict(set)
    for player_id, achievement, tier, period in bulk.fetch(
        "SELECT player_id, achievement, tier, period FROM achievement_awards"
        " WHERE player_id IN ?list",
        ids,
    ):
        awards[player_id].add((achievement, tier, period))
    if tally.boards is None:
        for player_id, name in players:
            live = Outcome(balances[player_id], frozenset(awards[player_id]))
            tally.add(name, live, replay(name, events[player_id], tally.draft), keys)
        return
    _replay_with_boards(bulk, app_id, players, tally, tally.boards, events, balances, awards, keys)


def _replay_with_boards(
    bulk: BulkWriter,
    app_id: int,
    players: Sequence[tuple[int, str]],
    tally: DryRunTally,
    boards: BoardTally,
    events: dict[int, list[Event]],
    balances: dict[int, dict[str, tuple[int, int]]],
    awards: dict[int, set[AwardKey]],
    keys: dict[int, str],
) -> None:
    """As above, and each player's scores on the draft's boards; "before" is the live
    design replayed too (the boards' live stores are never read). A player who hid
    from leaderboards stays off both sides, as on the live boards."""
    ids = [player_id for player_id, _ in players]
    attributes = {
        int(player_id): _json(raw) if raw else {}
        for player_id, raw in bulk.fetch(
            "SELECT id, attributes FROM players WHERE id IN ?list", ids
        )
    }
    hidden = {
        int(player_id)
        for (player_id,) in bulk.fetch(
            "SELECT player_id FROM leaderboard_hidden WHERE app_id = ? AND player_id IN ?list",
            app_id,
            ids,
        )
    }
    live_boards = boards.live_boards_needed
    for player_id, name in players:
        after = BoardScores.over(tally.draft.leaderboards, boards.as_of)
        replayed = replay(name, events[player_id], tally.draft, after)
        live = Outcome(balances[player_id], frozenset(awards[player_id]))
        tally.add(name, live, replayed, keys)
        if player_id in hidden:
            continue
        before = None
        if live_boards and tally.live_design is not None:
            before = BoardScores.over(live_boards, boards.as_of)
            replay(name, events[player_id], tally.live_design, before)
        boards.add(name, player_id, attributes.get(player_id, {}), before, after)


def _json(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else dict(loads_json(value))


def _utc(value: Any) -> datetime:
    stamp = as_utc(value)
    assert stamp is not None
    return stamp


class DryRunner(Protocol):
    """Where dry runs run: a thread of the server, or a Celery worker."""

    def start(self, run_id: int) -> None: ...

    def wait(self, timeout: float = 30) -> None: ...


class BackgroundDryRuns:
    """Embedded mode: each dry run in a thread of the server."""

    def __init__(self, database: Database, designs: DesignCache) -> None:
        self.database = database
        self.designs = designs
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self, run_id: int) -> None:
        thread = threading.Thread(
            target=run_dry_run,
            args=(self.database, self.designs, run_id),
            name=f"questline-dry-run-{run_id}",
            daemon=True,
        )
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def wait(self, timeout: float = 30) -> None:
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)
