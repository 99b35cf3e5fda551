"""One behavioural suite for every leaderboard store: SQL on SQLite, SQL on PostgreSQL,
and Redis on a real server (with the database behind it, as in production).

Scores are written the way the worker writes them: to the database in a transaction,
then to the store under test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questline.engine.leaderboards import Ranking
from questline.leaderboards.redis import COMPLETE, MAX_EXACT, RedisLeaderboardStore
from questline.leaderboards.sql import SqlLeaderboardStore
from questline.leaderboards.store import BoardRun, LeaderboardStore
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from tests.support.leaderboards import Board, fresh_database

_names = itertools.count()


@pytest.fixture(params=["sql-sqlite", "sql-postgresql", "redis"])
def board(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Board]:
    kind = "postgresql" if request.param == "sql-postgresql" else "sqlite"
    with fresh_database(request, kind, tmp_path) as url:
        yield from _board(request, url)


def _board(request: pytest.FixtureRequest, url: str) -> Iterator[Board]:
    database = Database(url, sqlite_synchronous="OFF")
    with database.transaction() as session:
        app_id = ensure_app(session, "default", "Default app").id
    sql = SqlLeaderboardStore(database)
    store: LeaderboardStore = sql
    redis_store: RedisLeaderboardStore | None = None
    if request.param == "redis":
        redis_store = RedisLeaderboardStore(request.getfixturevalue("redis_url"), sql)
        redis_store.client.set(COMPLETE, 1)  # an empty database: Redis holds all of it
        store = redis_store
    try:
        yield Board(store, database, app_id, BoardRun(app_id, "xp", "all"), {}, itertools.count(1))
    finally:
        if redis_store is not None:
            redis_store.close()
        database.dispose()


def _reference(
    scores: Sequence[tuple[str, int, int]], ranking: Ranking
) -> list[tuple[str, int, int]]:
    """Ranks computed the obvious way: sort, then count."""
    ordered = sorted(scores, key=lambda s: (-s[1], s[2]))
    ranked = []
    for position, (player, score, _) in enumerate(ordered, start=1):
        if ranking is Ranking.ORDINAL:
            rank = position
        elif ranking is Ranking.DENSE:
            rank = len({s for _, s, _ in ordered if s > score}) + 1
        else:
            rank = sum(1 for _, s, _ in ordered if s > score) + 1
        ranked.append((player, score, rank))
    return ranked


# -- ranking methods ----------------------------------------------------------------------


def test_ties_share_a_rank_and_the_next_rank_skips_by_default(board: Board) -> None:
    board.set({"ada": 50, "bob": 70, "cy": 50, "dee": 20})
    assert board.top() == [("bob", 70, 1), ("ada", 50, 2), ("cy", 50, 2), ("dee", 20, 4)]


def test_dense_ranking_does_not_skip_after_ties(board: Board) -> None:
    board.set({"ada": 50, "bob": 70, "cy": 50, "dee": 20})
    assert board.top(Ranking.DENSE) == [
        ("bob", 70, 1),
        ("ada", 50, 2),
        ("cy", 50, 2),
        ("dee", 20, 3),
    ]


def test_ordinal_ranking_puts_whoever_reached_the_score_first_higher(board: Board) -> None:
    board.set({"cy": 50})  # cy reaches 50 first
    board.set({"ada": 40})
    board.set({"ada": 50})  # ada reaches 50 later
    assert board.top(Ranking.ORDINAL) == [("cy", 50, 1), ("ada", 50, 2)]


def test_a_page_that_starts_inside_a_tie_keeps_the_tie_s_rank(board: Board) -> None:
    board.set({"a": 90, "b": 80, "c": 80, "d": 80, "e": 10})
    assert board.top(offset=2, limit=2) == [("c", 80, 2), ("d", 80, 2)]
    assert board.top(Ranking.DENSE, offset=3, limit=2) == [("d", 80, 2), ("e", 10, 3)]
    assert board.top(Ranking.ORDINAL, offset=2, limit=2) == [("c", 80, 3), ("d", 80, 4)]
    assert board.top(offset=5) == []


def test_around_shows_the_player_with_neighbours_and_clips_at_the_edges(board: Board) -> None:
    board.set({f"p{i}": 100 - i for i in range(10)})
    page = board.store.around(board.run, Ranking.COMPETITION, "p5", 2)
    assert page is not None
    assert [(e.player, e.rank) for e in page.entries] == [
        ("p3", 4),
        ("p4", 5),
        ("p5", 6),
        ("p6", 7),
        ("p7", 8),
    ]
    assert page.total == 10
    top = board.store.around(board.run, Ranking.COMPETITION, "p0", 2)
    assert top is not None
    assert [e.player for e in top.entries] == ["p0", "p1", "p2"]
    bottom = board.store.around(board.run, Ranking.COMPETITION, "p9", 2)
    assert bottom is not None
    assert [e.player for e in bottom.entries] == ["p7", "p8", "p9"]
    assert board.store.around(board.run, Ranking.COMPETITION, "nobody", 2) is None


def test_around_counts_who_scores_lower_for_the_percentile(board: Board) -> None:
    board.set({"a": 30, "b": 20, "c": 20, "d": 10})
    page = board.store.around(board.run, Ranking.COMPETITION, "c", 0)
    assert page is not None
    assert [(e.player, e.rank, e.position) for e in page.entries] == [("c", 2, 3)]
    assert (page.total, page.below) == (4, 1)


# Few distinct scores (ties everywhere), or wide ones (many share a score bucket).
_WIDTH = st.shared(st.sampled_from([5, 10**12]), key="width")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    score=_WIDTH.flatmap(lambda w: st.integers(-w, w)),
    scores=_WIDTH.flatmap(lambda w: st.lists(st.integers(-w, w), min_size=1, max_size=25)),
    ranking=st.sampled_from(list(Ranking)),
    data=st.data(),
)
def test_every_read_agrees_with_sorting_and_counting(
    board: Board, score: int, scores: list[int], ranking: Ranking, data: st.DataObject
) -> None:
    # A fresh board run per example.
    run = BoardRun(board.app_id, "xp", f"r{next(board.seqs)}")
    updates = [board.update(f"p{i}", s, run=run) for i, s in enumerate(scores)]
    board.put(*updates)
    # Then some players' scores change (they move between buckets, up or down).
    movers = data.draw(st.sets(st.integers(min_value=0, max_value=len(scores) - 1)))
    moved = [board.update(f"p{i}", score + i, run=run) for i in sorted(movers)]
    board.put(*moved)
    final = {u.player: u for u in [*updates, *moved]}
    expected = _reference([(u.player, u.score, u.seq) for u in final.values()], ranking)

    page = board.store.top(run, ranking, offset=0, limit=len(scores))
    assert [(e.player, e.score, e.rank) for e in page.entries] == expected

    offset = data.draw(st.integers(min_value=0, max_value=len(scores)))
    page = board.store.top(run, ranking, offset=offset, limit=3)
    assert [(e.player, e.score, e.rank) for e in page.entries] == expected[offset : offset + 3]

    index = data.draw(st.integers(min_value=0, max_value=len(scores) - 1))
    radius = data.draw(st.integers(min_value=0, max_value=3))
    around = board.store.around(run, ranking, expected[index][0], radius)
    assert around is not None
    start = max(0, index - radius)
    assert [(e.player, e.score, e.rank) for e in around.entries] == expected[
        start : index + radius + 1
    ]
    assert around.total == len(scores)
    assert around.below == sum(1 for _, s, _ in expected if s < expected[start][1])


# -- writes -------------------------------------------------------------------------------


def test_repeating_an_update_changes_nothing(board: Board) -> None:
    update = board.update("ada", 40)
    board.put(update)
    board.put(update)
    board.put(update)
    assert board.top() == [("ada", 40, 1)]
    page = board.store.around(board.run, Ranking.COMPETITION, "ada", 0)
    assert page is not None
    assert page.total == 1


def test_an_older_update_arriving_late_does_not_overwrite_a_newer_one(board: Board) -> None:
    old = board.update("ada", 40, seq=10)
    new = board.update("ada", 55, seq=11)
    board.put(new)
    board.put(old)
    assert board.top() == [("ada", 55, 1)]


def test_a_score_that_goes_down_moves_the_player_down(board: Board) -> None:
    board.set({"ada": 50, "bob": 40})
    board.set({"ada": 30})
    assert board.top() == [("bob", 40, 1), ("ada", 30, 2)]


# -- scopes -------------------------------------------------------------------------------


def test_hidden_players_are_left_out_and_the_others_close_up(board: Board) -> None:
    board.set({"ada": 90, "bob": 80, "cy": 70})
    board.put(board.update("bob", 80, hidden=True))
    assert board.top() == [("ada", 90, 1), ("cy", 70, 2)]
    assert board.store.around(board.run, Ranking.COMPETITION, "bob", 1) is None
    assert board.store.held(board.run, ["ada", "bob"])[0].player == "ada"
    assert len(board.store.held(board.run, ["ada", "bob"])) == 1
    board.put(board.update("bob", 80, hidden=False))
    assert board.top() == [("ada", 90, 1), ("bob", 80, 2), ("cy", 70, 3)]


def test_each_partition_is_a_board_of_its_own(board: Board) -> None:
    board.put(
        board.update("ada", 50, partition="red"),
        board.update("bob", 70, partition="blue"),
        board.update("cy", 60, partition="red"),
    )
    assert board.top(partition="red") == [("cy", 60, 1), ("ada", 50, 2)]
    assert board.top(partition="blue") == [("bob", 70, 1)]
    # ada changes team: she leaves red for blue
    board.put(board.update("ada", 50, partition="blue"))
    assert board.top(partition="red") == [("cy", 60, 1)]
    assert board.top(partition="blue") == [("bob", 70, 1), ("ada", 50, 2)]


def test_held_gives_the_scores_of_a_set_of_players(board: Board) -> None:
    board.set({"ada": 50, "bob": 70, "cy": 60})
    held = sorted((h.player, h.score) for h in board.store.held(board.run, ["ada", "cy", "zed"]))
    assert held == [("ada", 50), ("cy", 60)]


def test_runs_are_separate_boards(board: Board) -> None:
    week1 = BoardRun(board.app_id, "xp", "2026-11-09")
    week2 = BoardRun(board.app_id, "xp", "2026-11-16")
    board.put(board.update("ada", 10, run=week1), board.update("bob", 20, run=week2))
    assert [
        e.player for e in board.store.top(week1, Ranking.COMPETITION, offset=0, limit=5).entries
    ] == ["ada"]
    assert [
        e.player for e in board.store.top(week2, Ranking.COMPETITION, offset=0, limit=5).entries
    ] == ["bob"]


def test_scores_at_the_edges_of_64_bits_rank_exactly(board: Board) -> None:
    big = 2**63 - 1
    board.set({"max": big, "max-1": big - 1, "min": -(2**63) + 1, "zero": 0})
    assert board.top() == [
        ("max", big, 1),
        ("max-1", big - 1, 2),
        ("zero", 0, 3),
        ("min", -(2**63) + 1, 4),
    ]


def test_scores_at_the_double_precision_limit_stay_distinct(board: Board) -> None:
    board.set({"a": MAX_EXACT, "b": MAX_EXACT - 1, "c": -MAX_EXACT})
    assert board.top() == [("a", MAX_EXACT, 1), ("b", MAX_EXACT - 1, 2), ("c", -MAX_EXACT, 3)]


def test_scores_made_of_zeros_and_ones_survive_updates(board: Board) -> None:
    # Digits 0 and 1 next to each other in the stored state are easy to misread.
    board.set({"a": 10, "b": 1010, "c": 100, "d": 1})
    board.set({"a": 1100, "d": 11})
    assert board.top() == [("a", 1100, 1), ("b", 1010, 2), ("c", 100, 3), ("d", 11, 4)]
    for player, position in (("a", 1), ("b", 2), ("c", 3), ("d", 4)):
        page = board.store.around(board.run, Ranking.COMPETITION, player, 0)
        assert page is not None
        assert [(e.player, e.position) for e in page.entries] == [(player, position)]


def test_a_new_score_from_the_same_event_replaces_the_old_one(board: Board) -> None:
    # A rolling board's window moves: the score drops, and who got there first stays.
    board.put(board.update("ada", 40, seq=5), board.update("bob", 30, seq=6))
    board.put(board.update("ada", 25, seq=5))
    assert board.top() == [("bob", 30, 1), ("ada", 25, 2)]
