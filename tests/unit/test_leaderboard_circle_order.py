"""A circle's scores come from the database ordered by score and seq; players tied on
both are listed by their ids, as a board lists them."""

from __future__ import annotations

from questline.leaderboards.store import Held, in_board_order


def test_players_tied_on_score_and_seq_are_listed_by_id() -> None:
    held = [Held("zoe", 50, 7), Held("bob", 50, 7), Held("ada", 50, 9), Held("cy", 10, 1)]
    assert [h.player for h in in_board_order(held)] == ["bob", "zoe", "ada", "cy"]


def test_an_order_without_such_ties_is_kept() -> None:
    held = [Held("zoe", 50, 3), Held("bob", 50, 7), Held("ada", 10, 1)]
    assert in_board_order(held) == held
