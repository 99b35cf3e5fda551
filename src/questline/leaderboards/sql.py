# Statements are assembled from constant fragments only; every value is a parameter.
# ruff: noqa: S608
"""The leaderboard store in the database (SQLite or PostgreSQL): the source of truth.

Every read walks the index (app, board, run, hidden, partition, score DESC, seq,
player): the top of a board is the start of an index range, and a rank is a count
over part of one. Statements are plain SQL through the driver, the same on both
databases but for placeholders.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from questline.engine.leaderboards import Ranking, assign_ranks
from questline.leaderboards.store import BoardRun, Held, Page, ScoreUpdate, Standing, rank_first
from questline.storage.bulk import BulkWriter
from questline.storage.database import Database

_BOARD = "s.app_id = ? AND s.board = ? AND s.run = ? AND s.hidden = ? AND s.partition = ?"
_ENTRY = (
    "SELECT p.external_id, s.score, s.seq FROM leaderboard_scores s"
    " JOIN players p ON p.id = s.player_id WHERE " + _BOARD
)

# Monotone upsert: an update older than the stored one (a smaller seq) changes nothing,
# so re-applying an event's update, or applying updates out of order, is harmless.
_UPSERT = (
    "INSERT INTO leaderboard_scores (app_id, board, run, player_id, partition, hidden, score, seq)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (app_id, board, run, player_id) DO UPDATE SET"
    " partition = excluded.partition, hidden = excluded.hidden,"
    " score = excluded.score, seq = excluded.seq"
    " WHERE leaderboard_scores.seq <= excluded.seq"
)


def _board_params(board: BoardRun) -> tuple[Any, ...]:
    return (board.app_id, board.board, board.run, False, board.partition)


class SqlLeaderboardStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    # -- writes ---------------------------------------------------------------------------

    def write(self, updates: Sequence[ScoreUpdate]) -> None:
        with self.database.transaction() as session:
            write_scores(session, updates)

    def forget(self, board: BoardRun) -> None:
        """The database keeps every run: nothing to drop."""

    # -- reads ----------------------------------------------------------------------------

    def top(self, board: BoardRun, ranking: Ranking, *, offset: int, limit: int) -> Page:
        with self.database.reader() as session:
            bulk = BulkWriter(session)
            rows = bulk.fetch(
                _ENTRY + " ORDER BY s.score DESC, s.seq, s.player_id LIMIT ? OFFSET ?",
                *_board_params(board),
                limit,
                offset,
            )
            if not rows:
                return Page([], None)
            first_rank = offset + 1 if ranking is Ranking.ORDINAL else 1
            if offset and ranking is not Ranking.ORDINAL:
                first_rank = self._rank_of_score(bulk, board, ranking, rows[0][1], offset + 1)
            return Page(_standings(rows, ranking, first_rank, offset + 1), None)

    def around(self, board: BoardRun, ranking: Ranking, player: str, radius: int) -> Page | None:
        with self.database.reader() as session:
            bulk = BulkWriter(session)
            found = bulk.fetch(
                "SELECT s.player_id, s.score, s.seq FROM leaderboard_scores s"
                " JOIN players p ON p.id = s.player_id WHERE "
                + _BOARD
                + " AND p.app_id = ? AND p.external_id = ?",
                *_board_params(board),
                board.app_id,
                player,
            )
            if not found:
                return None
            player_id, score, seq = found[0]
            params = _board_params(board)
            (above, ties_before, ties, total) = bulk.fetch(
                "SELECT"
                " COALESCE(SUM(CASE WHEN s.score > ? THEN 1 ELSE 0 END), 0),"
                " COALESCE(SUM(CASE WHEN s.score = ? AND (s.seq < ? OR (s.seq = ?"
                " AND s.player_id < ?)) THEN 1 ELSE 0 END), 0),"
                " COALESCE(SUM(CASE WHEN s.score = ? THEN 1 ELSE 0 END), 0),"
                " COUNT(*)"
                " FROM leaderboard_scores s WHERE " + _BOARD,
                score,
                score,
                seq,
                seq,
                player_id,
                score,
                *params,
            )[0]
            position = int(above) + int(ties_before) + 1
            before = self._neighbours(bulk, board, score, seq, player_id, radius, upward=True)
            after = self._neighbours(bulk, board, score, seq, player_id, radius, upward=False)
            rows = [*reversed(before), (player, score, seq), *after]
            first_position = position - len(before)
            first_score = rows[0][1]
            if ranking is Ranking.ORDINAL:
                first_rank = first_position
            else:
                first_rank = self._rank_of_score(bulk, board, ranking, first_score, first_position)
            below = int(total) - int(above) - int(ties)
            if first_score != score:
                below = int(
                    bulk.fetch(
                        "SELECT COUNT(*) FROM leaderboard_scores s WHERE "
                        + _BOARD
                        + " AND s.score < ?",
                        *params,
                        first_score,
                    )[0][0]
                )
            return Page(_standings(rows, ranking, first_rank, first_position), int(total), below)

    def held(self, board: BoardRun, players: Sequence[str]) -> list[Held]:
        if not players:
            return []
        with self.database.reader() as session:
            rows = BulkWriter(session).fetch(
                _ENTRY + " AND p.external_id IN ?list", *_board_params(board), list(players)
            )
        return [Held(player, score, seq) for player, score, seq in rows]

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _rank_of_score(
        bulk: BulkWriter, board: BoardRun, ranking: Ranking, score: int, position: int
    ) -> int:
        what = "COUNT(DISTINCT s.score)" if ranking is Ranking.DENSE else "COUNT(*)"
        (count,) = bulk.fetch(
            f"SELECT {what} FROM leaderboard_scores s WHERE " + _BOARD + " AND s.score > ?",
            *_board_params(board),
            score,
        )[0]
        return rank_first(ranking, position, int(count), int(count))

    @staticmethod
    def _neighbours(
        bulk: BulkWriter,
        board: BoardRun,
        score: int,
        seq: int,
        player_id: int,
        radius: int,
        *,
        upward: bool,
    ) -> list[tuple[Any, ...]]:
        """Up to `radius` entries next to the player, nearest first. Two index ranges
        (same score, then better or worse scores) rather than one OR, which neither
        database can walk as a range."""
        if radius == 0:
            return []
        if upward:
            tie = "(s.seq < ? OR (s.seq = ? AND s.player_id < ?))"
            tie_order = "s.seq DESC, s.player_id DESC"
            other, other_order = "s.score > ?", "s.score, s.seq DESC, s.player_id DESC"
        else:
            tie = "(s.seq > ? OR (s.seq = ? AND s.player_id > ?))"
            tie_order = "s.seq, s.player_id"
            other, other_order = "s.score < ?", "s.score DESC, s.seq, s.player_id"
        params = _board_params(board)
        rows = bulk.fetch(
            _ENTRY + f" AND s.score = ? AND {tie} ORDER BY {tie_order} LIMIT ?",
            *params,
            score,
            seq,
            seq,
            player_id,
            radius,
        )
        if len(rows) < radius:
            rows += bulk.fetch(
                _ENTRY + f" AND {other} ORDER BY {other_order} LIMIT ?",
                *params,
                score,
                radius - len(rows),
            )
        return rows


def write_scores(session: Session, updates: Sequence[ScoreUpdate]) -> None:
    """The monotone upsert, in the caller's transaction."""
    BulkWriter(session).executemany(
        _UPSERT,
        [
            (
                u.board.app_id,
                u.board.board,
                u.board.run,
                u.player_id,
                u.board.partition,
                u.hidden,
                u.score,
                u.seq,
            )
            for u in updates
        ],
    )


def _standings(
    rows: Sequence[tuple[Any, ...]], ranking: Ranking, first_rank: int, first_position: int
) -> list[Standing]:
    ranks = assign_ranks(
        [row[1] for row in rows], ranking, first_rank=first_rank, first_position=first_position
    )
    return [
        Standing(player, score, rank, first_position + index)
        for index, ((player, score, _seq), rank) in enumerate(zip(rows, ranks, strict=True))
    ]
