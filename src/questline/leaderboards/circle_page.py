# Statements are assembled from constant fragments only; every value is a parameter.
"""A page of a circle's board (a friends board) and its owner's standing, as the database
store reads it: the statement, and the standings made from its rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from questline.engine.leaderboards import Ranking, assign_ranks
from questline.leaderboards.store import CirclePage, CircleQuery, Standing, rank_first

# A page of a circle's board and its owner's standing, in one statement (`{circle}` is the
# circle's subquery). Each player of the circle is looked up by the board's key, `{scores}`;
# only their score and seq are kept, in memory, for the page (a top-N sort) and for the
# counts that rank the owner and the page's first entry within the circle. Names and
# avatars are read for the page's players and the owner only. Rows: the page's entries
# (kind 0), then one row (kind 1) with the owner, if on the board, and the counts.
CIRCLE_PAGE = (
    "WITH circle (id) AS ({circle}),"
    " c AS (SELECT s.player_id, s.score, s.seq FROM circle {scores}),"
    " page AS (SELECT player_id, score, seq FROM c"
    " ORDER BY score DESC, seq, player_id LIMIT ? OFFSET ?),"
    " own AS (SELECT player_id, score, seq FROM c WHERE player_id = ?)"
    " SELECT 0, page.player_id, page.score, page.seq, p.external_id, p.display_name,"
    " p.avatar_url, 0, 0, 0, 0, 0, 0"
    " FROM page JOIN players p ON p.id = page.player_id"
    " UNION ALL"
    " SELECT 1, own.player_id, own.score, own.seq, p.external_id, p.display_name,"
    " p.avatar_url, t.total, t.above, t.before, t.distinct_above, t.above_first,"
    " t.distinct_above_first"
    " FROM (SELECT COUNT(*) AS total,"
    " SUM(CASE WHEN c.score > o.score THEN 1 ELSE 0 END) AS above,"
    " SUM(CASE WHEN c.score = o.score AND (c.seq < o.seq"
    " OR (c.seq = o.seq AND c.player_id < o.player_id)) THEN 1 ELSE 0 END) AS before,"
    " {distinct_above} AS distinct_above,"
    " SUM(CASE WHEN c.score > f.top THEN 1 ELSE 0 END) AS above_first,"
    " {distinct_above_first} AS distinct_above_first"
    " FROM c LEFT JOIN own o ON 1 = 1 CROSS JOIN (SELECT MAX(score) AS top FROM page) f) t"
    " LEFT JOIN own ON 1 = 1 LEFT JOIN players p ON p.id = own.player_id"
)
# How each player of the circle is looked up. SQLite: a join (not an IN list, which it
# would first copy into a table of its own), walked as a look-up per player. PostgreSQL:
# a lateral subquery it cannot flatten (OFFSET 0), so a look-up per player too; as a
# plain join it guesses a circle of a few hundred and reads the whole board into a hash
# instead, which grows with the board (measured: docs/operations.md).
_CIRCLE_SCORES = {
    "sqlite": "JOIN leaderboard_scores s"
    " ON s.app_id = ? AND s.board = ? AND s.run = ? AND s.player_id = circle.id"
    " WHERE s.hidden = ? AND s.partition = ?",
    "postgresql": "CROSS JOIN LATERAL (SELECT s.player_id, s.score, s.seq"
    " FROM leaderboard_scores s WHERE s.app_id = ? AND s.board = ? AND s.run = ?"
    " AND s.player_id = circle.id AND s.hidden = ? AND s.partition = ? OFFSET 0) s",
}
# Distinct scores above are counted for dense ranks only (a set of the circle's scores).
_DISTINCT_ABOVE = (
    "COUNT(DISTINCT CASE WHEN c.score > o.score THEN c.score END)",
    "COUNT(DISTINCT CASE WHEN c.score > f.top THEN c.score END)",
)


def circle_page_statement(circle: CircleQuery, ranking: Ranking, dialect: str) -> str:
    distinct = _DISTINCT_ABOVE if ranking is Ranking.DENSE else ("0", "0")
    return CIRCLE_PAGE.format(
        circle=circle.players,
        scores=_CIRCLE_SCORES[dialect],
        distinct_above=distinct[0],
        distinct_above_first=distinct[1],
    )


def read_circle_page(rows: Sequence[tuple[Any, ...]], ranking: Ranking, offset: int) -> CirclePage:
    """The page and the owner's standing from `CIRCLE_PAGE`'s rows."""
    page = sorted((r for r in rows if r[0] == 0), key=lambda r: (-r[2], r[3], r[1]))
    (counts,) = (r for r in rows if r[0] == 1)
    _, owner_id, score, _, player, name, avatar, *numbers = counts
    total, above, before, distinct_above, above_first, distinct_above_first = (
        int(n or 0) for n in numbers
    )
    owner = None
    if owner_id is not None:
        position = above + before + 1
        owner = Standing(
            player,
            score,
            rank_first(ranking, position, above, distinct_above),
            position,
            (name, avatar),
        )
    first_rank = rank_first(ranking, offset + 1, above_first, distinct_above_first)
    ranks = assign_ranks(
        [r[2] for r in page], ranking, first_rank=first_rank, first_position=offset + 1
    )
    entries = [
        Standing(r[4], r[2], rank, offset + 1 + index, (r[5], r[6]))
        for index, (r, rank) in enumerate(zip(page, ranks, strict=True))
    ]
    return CirclePage(entries, total, owner)
