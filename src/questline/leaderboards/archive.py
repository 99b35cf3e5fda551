"""Closing the runs that have ended: their standings are frozen for good.

A periodic job (and `questline leaderboards archive`). Finalizing a run is one UPDATE
guarded by `finalized_at IS NULL`, so a run is archived exactly once however often the
job runs or however many run at a time; from then on the worker leaves the run alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from questline.leaderboards.store import BoardRun, LeaderboardStore
from questline.storage.bulk import BulkWriter
from questline.storage.database import Database, after_commit


@dataclass(frozen=True, slots=True)
class Archived:
    app_id: int
    board: str
    run: str
    players: int


def archive_ended_runs(
    database: Database, store: LeaderboardStore, now: datetime | None = None
) -> list[Archived]:
    """Finalize every run that ended by `now`; drop the store's copy after commit."""
    now = now or datetime.now(UTC)
    with database.transaction() as session:
        bulk = BulkWriter(session)
        rows = bulk.fetch(
            "UPDATE leaderboard_runs SET finalized_at = ?, players = ("
            "SELECT COUNT(*) FROM leaderboard_scores s WHERE s.app_id = leaderboard_runs.app_id"
            " AND s.board = leaderboard_runs.board AND s.run = leaderboard_runs.run"
            " AND s.hidden = ?)"
            " WHERE finalized_at IS NULL AND ends_at IS NOT NULL AND ends_at <= ?"
            " RETURNING app_id, board, run, players",
            bulk.timestamp(now),
            False,
            bulk.timestamp(now),
        )
        archived = [Archived(a, b, r, int(n)) for a, b, r, n in rows]

        def forget() -> None:
            for run in archived:
                store.forget(BoardRun(run.app_id, run.board, run.run))

        after_commit(session, forget)
    return archived
