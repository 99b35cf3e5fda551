"""Players opting out of leaderboards (and back in).

A hidden player keeps their scores — they are still projected, so opting back in
restores every board exactly — but is on no board, and everyone below moves up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from questline.leaderboards.sql import Tally
from questline.leaderboards.store import BoardRun, LeaderboardStore, ScoreUpdate
from questline.storage.bulk import BulkWriter
from questline.storage.database import after_commit


def set_hidden(
    session: Session,
    store: LeaderboardStore | None,
    app_id: int,
    player_id: int,
    player: str,
    *,
    hidden: bool,
    now: datetime,
) -> None:
    bulk = BulkWriter(session)
    if bulk.postgres:
        # The worker locks the player's row while it scores their events; so does this,
        # so a batch never writes a visibility older than this one.
        bulk.fetch("SELECT id FROM players WHERE id = ? FOR UPDATE", player_id)
    if hidden:
        bulk.executemany(
            "INSERT INTO leaderboard_hidden (app_id, player_id, hidden_at) VALUES (?, ?, ?)"
            " ON CONFLICT (app_id, player_id) DO NOTHING",
            [(app_id, player_id, bulk.timestamp(now))],
        )
    else:
        bulk.executemany(
            "DELETE FROM leaderboard_hidden WHERE app_id = ? AND player_id = ?",
            [(app_id, player_id)],
        )
    changing = bulk.fetch(
        "SELECT board, run, partition, score FROM leaderboard_scores"
        " WHERE app_id = ? AND player_id = ? AND hidden = ?",
        app_id,
        player_id,
        not hidden,
    )
    counts = Tally()
    for board, run, partition, score in changing:
        counts.add((app_id, board, run, partition), score, -1 if hidden else 1)
    counts.write(bulk)
    bulk.executemany(
        "UPDATE leaderboard_scores SET hidden = ? WHERE app_id = ? AND player_id = ?",
        [(hidden, app_id, player_id)],
    )
    if store is None:
        return
    # Only runs still open live in a store other than the database.
    rows = bulk.fetch(
        "SELECT s.board, s.run, s.partition, s.score, s.seq FROM leaderboard_scores s"
        " JOIN leaderboard_runs r ON r.app_id = s.app_id AND r.board = s.board"
        " AND r.run = s.run WHERE s.app_id = ? AND s.player_id = ? AND r.finalized_at IS NULL",
        app_id,
        player_id,
    )
    updates = [
        ScoreUpdate(BoardRun(app_id, board, run, partition), player_id, player, score, seq, hidden)
        for board, run, partition, score, seq in rows
    ]
    if updates:
        after_commit(session, lambda: store.write(updates))
