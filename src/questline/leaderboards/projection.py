"""Scores on the boards, projected from a processed batch in the batch's own transaction.

The scores commit with the events' processed marks, so an event counts on a board
exactly once however often delivery is retried. After the commit, the absolute scores
are mirrored to the leaderboard store when that is not the database itself (Redis);
those writes are monotone, so repeating them is harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from questline.engine.compiler import CompiledDesign, CompiledLeaderboard
from questline.engine.leaderboards import (
    ROLLING_RUN,
    BoardPeriod,
    Contribution,
    Run,
    calendar_run,
    day_run,
    local_day,
    run_at,
)
from questline.leaderboards.sql import held_scores, write_scores
from questline.leaderboards.store import BoardRun, LeaderboardStore, ScoreUpdate
from questline.processing.batch import PROCESSED, Processed
from questline.processing.designs import DesignCache
from questline.storage.bulk import BulkWriter, as_utc
from questline.storage.database import after_commit
from questline.storage.types import loads_json

_Key = tuple[int, str, str, int]  # app, board, run, player id


@dataclass(slots=True)
class _Change:
    seq: int
    contributions: list[Contribution]
    # For a rolling board's window: the day run the event counts in, and where it starts.
    day: str | None = None
    day_starts_at: datetime | None = None


@dataclass(slots=True)
class _Touch:
    board: CompiledLeaderboard
    changes: list[_Change]  # in event order


class LeaderboardProjection:
    def __init__(self, designs: DesignCache, mirror: LeaderboardStore | None = None) -> None:
        self.designs = designs
        self.mirror = mirror

    def project(self, session: Session, results: Sequence[Processed]) -> list[ScoreUpdate]:
        """Write the batch's scores in `session`; queue the mirror write for after commit."""
        apps = {r.app_id for r in results if r.effects is not None}
        if not apps:
            return []
        designs = {
            app_id: design
            for app_id, design in self.designs.current(session, apps).items()
            if design.leaderboards
        }
        if not designs:
            return []
        touched, runs = _collect(results, designs, datetime.now(UTC))
        if not touched:
            return []
        updates = _apply(session, touched, runs)
        if updates and self.mirror is not None:
            mirror = self.mirror
            after_commit(session, lambda: mirror.write(updates))
        return updates


# (app, board, run) -> (starts_at, ends_at)
_RunInfo = dict[tuple[int, str, str], tuple[datetime | None, datetime | None]]


class _Runs:
    """The runs a batch's events fall in, each worked out once per board and local date
    (a day, week, month or rolling board's run depends on an instant only through it),
    and a rolling board's window once per batch."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._by_day: dict[tuple[int, str, date], Run] = {}
        self._windows: dict[tuple[int, str], Run] = {}

    def of(self, app_id: int, board: CompiledLeaderboard, at: datetime) -> Run | None:
        spec = board.spec
        if spec.period is BoardPeriod.ALL or spec.period is BoardPeriod.WINDOW:
            return run_at(spec, at)
        day = local_day(spec, at)
        key = (app_id, board.key, day)
        run = self._by_day.get(key)
        if run is None:
            maker = day_run if spec.period is BoardPeriod.ROLLING else calendar_run
            run = self._by_day[key] = maker(spec, day)
        return run

    def window(self, app_id: int, board: CompiledLeaderboard) -> Run:
        run = self._windows.get((app_id, board.key))
        if run is None:
            found = run_at(board.spec, self.now)
            assert found is not None
            run = self._windows[(app_id, board.key)] = found
        return run


def _collect(
    results: Sequence[Processed], designs: dict[int, CompiledDesign], now: datetime
) -> tuple[dict[_Key, _Touch], _RunInfo]:
    touched: dict[_Key, _Touch] = {}
    runs: _RunInfo = {}
    found_runs = _Runs(now)
    for result in results:
        design = designs.get(result.app_id)
        if design is None or result.effects is None or result.status != PROCESSED:
            continue
        assert result.occurred_at is not None
        for board in design.leaderboards.values():
            period = board.spec.period
            source = board.source
            kinds = source.effect_types
            contributions = [
                made
                for effect in result.effects.items
                if isinstance(effect, kinds)
                and (made := source.contribution(effect, period)) is not None
            ]
            if not contributions:
                continue
            if period is BoardPeriod.ROLLING:
                # The event counts on its day, and in the window while that day is in it.
                day = found_runs.of(result.app_id, board, result.occurred_at)
                assert day is not None
                window = found_runs.window(result.app_id, board)
                found: list[tuple[Run, _Change]] = [
                    (day, _Change(result.seq, contributions)),
                    (window, _Change(result.seq, contributions, day.key, day.starts_at)),
                ]
            else:
                single = found_runs.of(result.app_id, board, result.occurred_at)
                if single is None:
                    continue
                found = [(single, _Change(result.seq, contributions))]
            for run, change in found:
                key = (result.app_id, board.key, run.key, result.player_id)
                touch = touched.get(key)
                if touch is None:
                    touch = touched[key] = _Touch(board, [])
                touch.changes.append(change)
                # A rolling window never ends (its job moves it): no end, never archived.
                ends_at = None if run.key == ROLLING_RUN else run.ends_at
                runs.setdefault((result.app_id, board.key, run.key), (run.starts_at, ends_at))
    return touched, runs


def _apply(session: Session, touched: dict[_Key, _Touch], runs: _RunInfo) -> list[ScoreUpdate]:
    bulk = BulkWriter(session)
    player_ids = sorted({key[3] for key in touched})
    app_ids = sorted({key[0] for key in touched})

    bulk.executemany(
        "INSERT INTO leaderboard_runs (app_id, board, run, starts_at, ends_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (app_id, board, run) DO NOTHING",
        [
            (app_id, board, run, _stamp(bulk, starts), _stamp(bulk, ends))
            for (app_id, board, run), (starts, ends) in sorted(runs.items())
        ],
    )
    # A finalized run is frozen. FOR SHARE makes finalizing wait for this batch (and
    # this batch wait for a finalizing in progress) on PostgreSQL; SQLite has one writer.
    touched_runs = (
        "SELECT app_id, board, run, finalized_at, starts_at FROM leaderboard_runs"
        " WHERE app_id IN ?list AND board IN ?list AND run IN ?list"
    )
    finalized: set[tuple[int, str, str]] = set()
    window_starts: dict[tuple[int, str], datetime | None] = {}
    for app_id, board, run, finalized_at, starts_at in bulk.fetch(
        touched_runs + (" FOR SHARE" if bulk.postgres else ""),
        app_ids,
        sorted({key[1] for key in runs}),
        sorted({key[2] for key in runs}),
    ):
        if finalized_at is not None:
            finalized.add((app_id, board, run))
        if run == ROLLING_RUN:
            window_starts[(app_id, board)] = as_utc(starts_at)
    players = {
        player_id: (external_id, attributes)
        for player_id, external_id, attributes in bulk.fetch(
            "SELECT id, external_id, attributes FROM players WHERE id IN ?list", player_ids
        )
    }
    hidden = {
        (app_id, player_id)
        for app_id, player_id in bulk.fetch(
            "SELECT app_id, player_id FROM leaderboard_hidden WHERE player_id IN ?list",
            player_ids,
        )
    }
    # Read once: write_scores compares the same rows, unchanged in this transaction.
    stored = held_scores(
        bulk, app_ids, (key[1] for key in touched), (key[2] for key in touched), player_ids
    )
    held: dict[_Key, tuple[int, int]] = {
        key: (score, seq) for key, (_, _, seq, score) in stored.items()
    }

    updates: list[ScoreUpdate] = []
    for key, touch in touched.items():
        app_id, board_key, run, player_id = key
        if (app_id, board_key, run) in finalized:
            continue
        changes = touch.changes
        if run == ROLLING_RUN:
            # Only days the window still holds and whose own run is open: the job that
            # moves the window takes each day's run out of it, so both must agree.
            start = window_starts.get((app_id, board_key))
            changes = [
                c
                for c in changes
                if (app_id, board_key, c.day) not in finalized
                and (start is None or (c.day_starts_at is not None and c.day_starts_at >= start))
            ]
            if not changes:
                continue
        score, seq = held.get(key, (0, 0))
        for change in changes:
            before = score
            for contribution in change.contributions:
                score = contribution.value if contribution.absolute else score + contribution.value
            if score != before or (key not in held and seq == 0):
                seq = change.seq
        if key in held and held[key] == (score, seq):
            continue
        external_id, raw_attributes = players[player_id]
        partition = ""
        if touch.board.spec.partition_by is not None:
            attributes = raw_attributes if isinstance(raw_attributes, dict) else None
            if attributes is None:
                attributes = loads_json(raw_attributes) if raw_attributes else {}
            value = attributes.get(touch.board.spec.partition_by)
            partition = "" if value is None else str(value)
        updates.append(
            ScoreUpdate(
                BoardRun(app_id, board_key, run, partition),
                player_id,
                external_id,
                score,
                seq,
                (app_id, player_id) in hidden,
            )
        )
    write_scores(session, updates, stored)
    return updates


def _stamp(bulk: BulkWriter, value: datetime | None) -> object:
    return None if value is None else bulk.timestamp(value)
