"""Moving the windows of rolling boards ("the last 7 days"): a periodic job.

A rolling board keeps one run per local day and one `rolling` run, the sum over the
days in its window. Events add to both; when a day leaves the window, this job takes
that day's scores out of the `rolling` run. Each board moves in one transaction that
also records the window's new start, so the job is idempotent and crash-safe: a day is
taken out exactly once.

The new scores keep the sequence number of the event that last changed them (who got
there first does not change), so in Redis they replace the old ones only because they
differ; a mirror write of an event committed just before the move and delivered just
after it would put that day back until the player's next change or a rebuild.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from questline.engine.leaderboards import ROLLING_RUN, BoardPeriod, Leaderboard, run_at
from questline.engine.periods import zone
from questline.leaderboards.sql import SqlLeaderboardStore, write_scores
from questline.leaderboards.store import BoardRun, LeaderboardStore, ScoreUpdate
from questline.processing.designs import DesignCache
from questline.storage.bulk import BulkWriter, as_utc
from questline.storage.database import Database, after_commit


@dataclass(frozen=True, slots=True)
class Moved:
    app_id: int
    board: str
    days_out: list[str]
    players: int


def move_rolling_windows(
    database: Database,
    store: LeaderboardStore | None = None,
    designs: DesignCache | None = None,
    now: datetime | None = None,
) -> list[Moved]:
    """Take the days that left each rolling board's window out of its standings."""
    designs = designs or DesignCache()
    now = now or datetime.now(UTC)
    with database.reader() as session:
        rows = BulkWriter(session).fetch(
            "SELECT DISTINCT app_id, board FROM leaderboard_runs WHERE run = ?", ROLLING_RUN
        )
        current = designs.current(session, {app_id for app_id, _ in rows})
    moved: list[Moved] = []
    for app_id, key in rows:
        design = current.get(app_id)
        board = design.leaderboards.get(key) if design else None
        if board is None or board.spec.period is not BoardPeriod.ROLLING:
            continue
        found = _move(database, store, app_id, key, board.spec, now)
        if found is not None:
            moved.append(found)
    return moved


def _move(
    database: Database,
    store: LeaderboardStore | None,
    app_id: int,
    key: str,
    spec: Leaderboard,
    now: datetime,
) -> Moved | None:
    window = run_at(spec, now)
    assert window is not None
    assert window.starts_at is not None
    with database.transaction() as session:
        bulk = BulkWriter(session)
        window_start = (
            "SELECT starts_at FROM leaderboard_runs WHERE app_id = ? AND board = ? AND run = ?"
        )
        found = bulk.fetch(
            window_start + (" FOR UPDATE" if bulk.postgres else ""),
            app_id,
            key,
            ROLLING_RUN,
        )
        start = as_utc(found[0][0]) if found else None
        if start is None or start >= window.starts_at:
            return None
        days: list[str] = []
        day = start.astimezone(zone(spec.time_zone)).date()
        first_kept = window.starts_at.astimezone(zone(spec.time_zone)).date()
        while day < first_kept:
            days.append(day.isoformat())
            day += timedelta(days=1)
        leaving: dict[int, int] = defaultdict(int)
        if days:
            for player_id, score in bulk.fetch(
                "SELECT player_id, SUM(score) FROM leaderboard_scores"
                " WHERE app_id = ? AND board = ? AND run IN ?list GROUP BY player_id",
                app_id,
                key,
                days,
            ):
                leaving[player_id] += int(score)
        updates: list[ScoreUpdate] = []
        if leaving:
            for player_id, external_id, partition, hidden, score, seq in bulk.fetch(
                "SELECT s.player_id, p.external_id, s.partition, s.hidden, s.score, s.seq"
                " FROM leaderboard_scores s JOIN players p ON p.id = s.player_id"
                " WHERE s.app_id = ? AND s.board = ? AND s.run = ? AND s.player_id IN ?list",
                app_id,
                key,
                ROLLING_RUN,
                sorted(leaving),
            ):
                updates.append(
                    ScoreUpdate(
                        BoardRun(app_id, key, ROLLING_RUN, partition),
                        player_id,
                        external_id,
                        int(score) - leaving[player_id],
                        int(seq),  # who got there first does not change
                        bool(hidden),
                    )
                )
        write_scores(session, updates)
        bulk.executemany(
            "UPDATE leaderboard_runs SET starts_at = ? WHERE app_id = ? AND board = ? AND run = ?",
            [(bulk.timestamp(window.starts_at), app_id, key, ROLLING_RUN)],
        )
        if updates and store is not None and not isinstance(store, SqlLeaderboardStore):
            mirror = store
            after_commit(session, lambda: mirror.write(updates))
    return Moved(app_id, key, days, len(updates))
