# Statements are assembled from constant fragments only; every value is a parameter.
# ruff: noqa: S608
"""The leaderboard store in the database (SQLite or PostgreSQL): the source of truth.

Every read walks the index (app, board, run, hidden, partition, score DESC, seq,
player): the top of a board is the start of an index range, and a rank is a count
over part of one. Statements are plain SQL through the driver, the same on both
databases but for placeholders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from questline.engine.leaderboards import Ranking, assign_ranks
from questline.leaderboards.buckets import bucket_of, bucket_top
from questline.leaderboards.circle_page import circle_page_statement, read_circle_page
from questline.leaderboards.store import (
    BoardRun,
    CirclePage,
    CircleQuery,
    Held,
    Page,
    ScoreUpdate,
    Standing,
    rank_first,
)
from questline.storage.bulk import BulkWriter
from questline.storage.database import Database

_BOARD = "s.app_id = ? AND s.board = ? AND s.run = ? AND s.hidden = ? AND s.partition = ?"
_ENTRY = (
    "SELECT p.external_id, s.score, s.seq, s.player_id FROM leaderboard_scores s"
    " JOIN players p ON p.id = s.player_id WHERE " + _BOARD
)


def circle_page_params(
    board: BoardRun, circle: CircleQuery, offset: int, limit: int
) -> tuple[Any, ...]:
    return (*circle.params, *_board_params(board), limit, offset, circle.owner)


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
            first_rank = 1
            if offset:
                first_rank = self._first_rank(bulk, board, ranking, rows[0], offset + 1)[0]
            return Page(_standings(rows, ranking, first_rank, offset + 1), None)

    def around(self, board: BoardRun, ranking: Ranking, player: str, radius: int) -> Page | None:
        with self.database.reader() as session:
            bulk = BulkWriter(session)
            found = bulk.fetch(
                _ENTRY + " AND p.app_id = ? AND p.external_id = ?",
                *_board_params(board),
                board.app_id,
                player,
            )
            if not found:
                return None
            me = found[0]
            above, ties_before, tied, total = self._standing(bulk, board, me)
            position = above + ties_before + 1
            before, after = self._neighbours(bulk, board, me, radius)
            rows = [*before, me, *after]
            first_position = position - len(before)
            known = (ties_before, tied) if rows[0] is me else None
            first_rank, higher, first_tied = self._first_rank(
                bulk, board, ranking, rows[0], first_position, known
            )
            below = total - higher - first_tied
            return Page(_standings(rows, ranking, first_rank, first_position), total, below)

    def held(self, board: BoardRun, players: Sequence[str]) -> list[Held]:
        if not players:
            return []
        with self.database.reader() as session:
            rows = BulkWriter(session).fetch(
                _ENTRY + " AND p.external_id IN ?list", *_board_params(board), list(players)
            )
        return [Held(player, score, seq) for player, score, seq, _ in rows]

    def circle_page(
        self, board: BoardRun, ranking: Ranking, circle: CircleQuery, *, offset: int, limit: int
    ) -> CirclePage:
        """One statement whose work grows with the circle, not the board, and whose
        answer is the page: the circle's standings never leave the database."""
        with self.database.reader() as session:
            rows = BulkWriter(session).fetch(
                circle_page_statement(circle, ranking, self.database.dialect),
                *circle_page_params(board, circle, offset, limit),
            )
        return read_circle_page(rows, ranking, offset)

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _standing(
        bulk: BulkWriter, board: BoardRun, row: tuple[Any, ...]
    ) -> tuple[int, int, int, int]:
        """For a player's row, in one round trip: how many score higher, how many with
        the same score come first, how many share the score, and how many are on the
        board. "Higher" is the players of the buckets above plus a count inside the
        score's own bucket — never a count over the whole board."""
        _, score, seq, player_id = row
        bucket = bucket_of(score)
        keys = (board.app_id, board.board, board.run, board.partition)
        where = "app_id = ? AND board = ? AND run = ? AND partition = ?"
        params = _board_params(board)
        higher_buckets, inside, ties_before, tied, total = bulk.fetch(
            "SELECT"
            f" (SELECT COALESCE(SUM(players), 0) FROM leaderboard_buckets WHERE {where}"
            " AND bucket > ?),"
            f" (SELECT COUNT(*) FROM leaderboard_scores s WHERE {_BOARD}"
            " AND s.score > ? AND s.score <= ?),"
            f" (SELECT COUNT(*) FROM leaderboard_scores s WHERE {_BOARD}"
            " AND s.score = ? AND (s.seq < ? OR (s.seq = ? AND s.player_id < ?))),"
            f" (SELECT COUNT(*) FROM leaderboard_scores s WHERE {_BOARD} AND s.score = ?),"
            f" (SELECT COALESCE(MAX(players), 0) FROM leaderboard_counts WHERE {where})",
            *keys,
            bucket,
            *params,
            score,
            bucket_top(bucket),
            *params,
            score,
            seq,
            seq,
            player_id,
            *params,
            score,
            *keys,
        )[0]
        return int(higher_buckets) + int(inside), int(ties_before), int(tied), int(total)

    @staticmethod
    def _ties(bulk: BulkWriter, board: BoardRun, row: tuple[Any, ...]) -> tuple[int, int]:
        """Among the players with this row's score: how many come before it, and how
        many there are. One equality range of the index, however large the board."""
        _, score, seq, player_id = row
        before, tied = bulk.fetch(
            "SELECT COALESCE(SUM(CASE WHEN s.seq < ? OR (s.seq = ? AND s.player_id < ?)"
            " THEN 1 ELSE 0 END), 0), COUNT(*) FROM leaderboard_scores s WHERE "
            + _BOARD
            + " AND s.score = ?",
            seq,
            seq,
            player_id,
            *_board_params(board),
            score,
        )[0]
        return int(before), int(tied)

    def _first_rank(
        self,
        bulk: BulkWriter,
        board: BoardRun,
        ranking: Ranking,
        row: tuple[Any, ...],
        position: int,
        known: tuple[int, int] | None = None,
    ) -> tuple[int, int, int]:
        """The rank of the entry `row` at `position`, how many score higher, and how many
        share its score. Those higher are exactly those before it in the order, less
        its ties that come first, so no count over the board is needed."""
        ties_before, tied = known or self._ties(bulk, board, row)
        higher = position - 1 - ties_before
        if ranking is Ranking.DENSE:
            (distinct,) = bulk.fetch(
                "SELECT COUNT(DISTINCT s.score) FROM leaderboard_scores s WHERE "
                + _BOARD
                + " AND s.score > ?",
                *_board_params(board),
                row[1],
            )[0]
            return rank_first(ranking, position, higher, int(distinct)), higher, tied
        return rank_first(ranking, position, higher, higher), higher, tied

    @staticmethod
    def _total(bulk: BulkWriter, board: BoardRun) -> int:
        found = bulk.fetch(
            "SELECT players FROM leaderboard_counts"
            " WHERE app_id = ? AND board = ? AND run = ? AND partition = ?",
            board.app_id,
            board.board,
            board.run,
            board.partition,
        )
        return int(found[0][0]) if found else 0

    @staticmethod
    def _neighbours(
        bulk: BulkWriter, board: BoardRun, row: tuple[Any, ...], radius: int
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Up to `radius` entries above and below a row, in board order, in one round
        trip: four index ranges (same score before it, higher scores, same score after
        it, lower scores) rather than an OR, which neither database walks as a range."""
        if radius == 0:
            return [], []
        _, score, seq, player_id = row
        params = _board_params(board)
        part = (
            "SELECT * FROM (SELECT {n} AS part, p.external_id, s.score, s.seq, s.player_id"
            " FROM leaderboard_scores s JOIN players p ON p.id = s.player_id WHERE "
            + _BOARD
            + " AND {condition} ORDER BY {order} LIMIT ?) AS part{n}"
        )
        found = bulk.fetch(
            " UNION ALL ".join(
                [
                    part.format(
                        n=1,
                        condition="s.score = ? AND (s.seq < ? OR (s.seq = ? AND s.player_id < ?))",
                        order="s.seq DESC, s.player_id DESC",
                    ),
                    part.format(
                        n=2, condition="s.score > ?", order="s.score, s.seq DESC, s.player_id DESC"
                    ),
                    part.format(
                        n=3,
                        condition="s.score = ? AND (s.seq > ? OR (s.seq = ? AND s.player_id > ?))",
                        order="s.seq, s.player_id",
                    ),
                    part.format(
                        n=4, condition="s.score < ?", order="s.score DESC, s.seq, s.player_id"
                    ),
                ]
            ),
            *params, score, seq, seq, player_id, radius,
            *params, score, radius,
            *params, score, seq, seq, player_id, radius,
            *params, score, radius,
        )  # fmt: skip

        def board_order(entry: tuple[Any, ...]) -> tuple[int, int, int]:
            return (-entry[2], entry[3], entry[4])

        up = sorted((r for r in found if r[0] in (1, 2)), key=board_order)[-radius:]
        down = sorted((r for r in found if r[0] in (3, 4)), key=board_order)[:radius]
        return [r[1:] for r in up], [r[1:] for r in down]


# A stored score as write_scores compares it: (partition, hidden, seq, score).
HeldScore = tuple[str, bool, int, int]
ScoreKey = tuple[int, str, str, int]  # app, board, run, player id


def held_scores(
    bulk: BulkWriter,
    app_ids: Iterable[int],
    boards: Iterable[str],
    runs: Iterable[str],
    player_ids: Iterable[int],
) -> dict[ScoreKey, HeldScore]:
    """The stored scores of these players on these boards' runs (and any other rows the
    product of the lists names: a caller looks up the keys it means)."""
    return {
        (app_id, board, run, player_id): (partition, bool(hidden), seq, score)
        for app_id, board, run, player_id, partition, hidden, seq, score in bulk.fetch(
            "SELECT app_id, board, run, player_id, partition, hidden, seq, score"
            " FROM leaderboard_scores WHERE app_id IN ?list AND board IN ?list"
            " AND run IN ?list AND player_id IN ?list",
            sorted(set(app_ids)),
            sorted(set(boards)),
            sorted(set(runs)),
            sorted(set(player_ids)),
        )
    }


def write_scores(
    session: Session,
    updates: Sequence[ScoreUpdate],
    held: Mapping[ScoreKey, HeldScore] | None = None,
) -> None:
    """The monotone upsert, in the caller's transaction, keeping the number of visible
    players per board run and partition (so a percentile needs no count of the board).
    `held`, if given, is what the caller read of the updated rows in this transaction
    (held_scores); else they are read here."""
    if not updates:
        return
    bulk = BulkWriter(session)
    latest: dict[ScoreKey, ScoreUpdate] = {}
    for u in updates:
        key = (u.board.app_id, u.board.board, u.board.run, u.player_id)
        if key not in latest or latest[key].seq <= u.seq:
            latest[key] = u
    if held is None:
        held = held_scores(
            bulk,
            (k[0] for k in latest),
            (k[1] for k in latest),
            (k[2] for k in latest),
            (k[3] for k in latest),
        )
    counts = Tally()
    applied: list[ScoreUpdate] = []
    for key, u in latest.items():
        before = held.get(key)
        if before is not None:
            partition, hidden, seq, score = before
            if seq > u.seq:
                continue  # older than what is stored
            if not hidden:
                counts.add((key[0], key[1], key[2], partition), score, -1)
        if not u.hidden:
            counts.add((key[0], key[1], key[2], u.board.partition), u.score, 1)
        applied.append(u)
    bulk.executemany(
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
            for u in applied
        ],
    )
    counts.write(bulk)


_Where = tuple[int, str, str, str]  # app, board, run, partition


class Tally:
    """Changes to the number of visible players per board run, and per score bucket."""

    def __init__(self) -> None:
        self.players: dict[_Where, int] = {}
        self.buckets: dict[tuple[int, str, str, str, int], int] = {}

    def add(self, where: _Where, score: int, step: int) -> None:
        self.players[where] = self.players.get(where, 0) + step
        bucket = (*where, bucket_of(score))
        self.buckets[bucket] = self.buckets.get(bucket, 0) + step

    def write(self, bulk: BulkWriter) -> None:
        bulk.executemany(
            "INSERT INTO leaderboard_counts (app_id, board, run, partition, players)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (app_id, board, run, partition)"
            " DO UPDATE SET players = leaderboard_counts.players + excluded.players",
            [(*key, delta) for key, delta in sorted(self.players.items()) if delta],
        )
        bulk.executemany(
            "INSERT INTO leaderboard_buckets (app_id, board, run, partition, bucket, players)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, board, run, partition, bucket)"
            " DO UPDATE SET players = leaderboard_buckets.players + excluded.players",
            [(*key, delta) for key, delta in sorted(self.buckets.items()) if delta],
        )


def _standings(
    rows: Sequence[tuple[Any, ...]], ranking: Ranking, first_rank: int, first_position: int
) -> list[Standing]:
    ranks = assign_ranks(
        [row[1] for row in rows], ranking, first_rank=first_rank, first_position=first_position
    )
    return [
        Standing(player, score, rank, first_position + index)
        for index, ((player, score, *_), rank) in enumerate(zip(rows, ranks, strict=True))
    ]
