"""Run a dry run: every player in its scope, a chunk of players at a time, their logged
events replayed through the draft (`engine.dry_run`) and tallied against their live
balances and achievements. Reads the log and the live state; writes only its own row
(progress and the report so far after each chunk, so it can be read while it runs)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from questline.engine.compiler import compile_design
from questline.engine.dry_run import DryRunTally, Outcome, forget_player, replay
from questline.engine.dry_run_boards import BoardScores, BoardTally
from questline.engine.state import AwardKey, Event
from questline.processing.batch import engine_event, load_items
from questline.processing.designs import DesignCache
from questline.services.dry_runs import FAILED, FINISHED, PENDING, RUNNING
from questline.storage.bulk import BulkWriter, as_utc
from questline.storage.database import Database
from questline.storage.models import DryRun, Player
from questline.storage.models import Event as LoggedEvent
from questline.storage.types import loads_json

log = logging.getLogger(__name__)

CHUNK_PLAYERS = 200
CHUNK_EVENTS = 50_000  # a chunk's events are in memory at once
# A run notes it is alive after each chunk; silent this long, it is run again.
STALE = timedelta(minutes=2)


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
    database: Database,
    designs: DesignCache,
    run_id: int,
    *,
    chunk: int = CHUNK_PLAYERS,
    chunk_events: int = CHUNK_EVENTS,
    after_chunk: Callable[[int], None] | None = None,
) -> None:
    """Run a pending dry run to the end (or to `failed`, with the reason), from the
    start: a run taken over from a runner that went away starts over. `after_chunk` is
    told the players done after each chunk's progress is saved."""
    now = datetime.now(UTC)
    with database.transaction() as session:
        claimed = session.execute(
            update(DryRun)
            .where(DryRun.id == run_id, DryRun.status == PENDING)
            .values(
                status=RUNNING,
                attempt=DryRun.attempt + 1,
                alive_at=now,
                players_done=0,
                report=None,
                error=None,
            )
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return  # already taken by another runner, or gone
        row = session.get(DryRun, run_id)
        assert row is not None
        run = _Run(run_id, row.attempt, row.app_id, now)
        document, as_of = row.document, row.created_at
        live_design = designs.current(session, {run.app_id}).get(run.app_id)
        players, erased = _players_in_scope(BulkWriter(session), run.app_id, row.since, row.players)
        row.players_total = len(players)
    try:
        draft = compile_design(document)
        boards = None
        if draft.leaderboards:
            live_boards = live_design.leaderboards if live_design is not None else {}
            boards = BoardTally(live_boards, draft.leaderboards, as_utc(as_of) or as_of)
        tally = DryRunTally(live_design, draft, boards, players_erased=erased)
        done = 0
        for part in _chunks(players, chunk, chunk_events):
            named = [(player_id, name) for player_id, name, _ in part]
            with database.reader() as session:
                _replay_chunk(BulkWriter(session), run.app_id, named, tally)
            run.names.update(named)
            done += len(part)
            run.save(database, tally, players_done=done)
            if after_chunk is not None:
                after_chunk(done)
        run.save(database, tally, status=FINISHED, finished_at=datetime.now(UTC))
    except _Superseded:
        log.warning("dry run %s was taken over by a newer runner; this one stops", run_id)
    except Exception as error:
        log.exception("dry run %s failed", run_id)
        with contextlib.suppress(_Superseded):
            run.save(database, None, status=FAILED, finished_at=datetime.now(UTC), error=str(error))


class _Superseded(Exception):
    """The run was taken over by a newer runner (`attempt`): this one must stop."""


@dataclass
class _Run:
    """One attempt at a dry run: it alone writes the row while the row's attempt is its
    own, and it names players erased while it ran by their pseudonym only."""

    id: int
    attempt: int
    app_id: int
    started: datetime
    names: dict[int, str] = field(default_factory=dict)  # the players tallied so far
    forgotten: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)

    def save(self, database: Database, tally: DryRunTally | None, **values: Any) -> None:
        """Progress (the report so far, from `tally`) or the end; notes the run alive."""
        with database.transaction() as session:
            # The row is locked first: an erasure committed before this sees its name
            # taken out below, one committed after finds the report saved here.
            mine = session.scalar(
                select(DryRun.attempt).where(DryRun.id == self.id).with_for_update()
            )
            if mine != self.attempt:
                raise _Superseded
            if tally is not None:
                values["report"] = self._forget_erased(session, tally)
            session.execute(
                update(DryRun)
                .where(DryRun.id == self.id)
                .values(alive_at=datetime.now(UTC), **values)
            )

    def _forget_erased(self, session: Session, tally: DryRunTally) -> dict[str, Any]:
        erased = session.execute(
            select(Player.id, Player.external_id).where(
                Player.app_id == self.app_id, Player.erased_at >= self.started
            )
        ).all()
        for player_id, pseudonym in erased:
            name = self.names.get(player_id)
            if name is None or name in self.forgotten:
                continue
            seqs = {f.seq: f.event for f in tally.failures if f.player == name}
            renamed = session.execute(
                select(LoggedEvent.seq, LoggedEvent.key).where(
                    LoggedEvent.player_id == player_id, LoggedEvent.seq.in_(seqs)
                )
            ).all()
            self.forgotten[name] = (pseudonym, {seqs[seq]: key for seq, key in renamed})
        report = tally.report()
        for name, (pseudonym, event_ids) in self.forgotten.items():
            report = forget_player(report, name, pseudonym, event_ids)
        return report


def _players_in_scope(
    bulk: BulkWriter, app_id: int, since: datetime | None, names: list[str] | None
) -> tuple[list[tuple[int, str, int]], int]:
    """(player id, external id, events logged), by id: the players named, or those with
    an event since `since`, or every player of the app; each is replayed over their
    whole history. Erased players are left out (their events lost the properties a
    replay reads) and only counted, the second value."""
    text = (
        "SELECT id, external_id, erased_at,"
        " (SELECT count(*) FROM events WHERE events.player_id = players.id)"
        " FROM players WHERE app_id = ?"
    )
    params: list[Any] = [app_id]
    if names is not None:
        text += " AND external_id IN ?list"
        params.append(sorted(set(names)) or [""])
    if since is not None:
        text += " AND id IN (SELECT player_id FROM events WHERE app_id = ? AND occurred_at >= ?)"
        params += [app_id, bulk.timestamp(since)]
    rows = bulk.fetch(text + " ORDER BY id", *params)
    kept = [(int(pid), str(name), int(count)) for pid, name, erased, count in rows if not erased]
    return kept, len(rows) - len(kept)


def _chunks(
    players: list[tuple[int, str, int]], most_players: int, most_events: int
) -> Iterator[list[tuple[int, str, int]]]:
    """Players a chunk at a time: at most `most_players`, and no more events than
    `most_events` unless one player alone has more (a chunk's events are in memory)."""
    part: list[tuple[int, str, int]] = []
    events = 0
    for player in players:
        if part and (len(part) == most_players or events + player[2] > most_events):
            yield part
            part, events = [], 0
        part.append(player)
        events += player[2]
    if part:
        yield part


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
