"""Leaderboards in a dry run: each player's score in the run the report covers, and the
top N before and after with who enters, leaves and moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from questline.engine import compile_design
from questline.engine.compiler import CompiledDesign
from questline.engine.dry_run import replay
from questline.engine.dry_run_boards import TOP_N, BoardScores, BoardTally
from questline.engine.state import Event


def design(period: str, ranking: str = "competition") -> CompiledDesign:
    board: dict[str, object] = {"rank_by": "currency.xp", "period": period, "ranking": ranking}
    if period == "rolling":
        board["days"] = 2
    return compile_design(
        {
            "currencies": {"xp": {}},
            "rules": [{"id": "xp", "on": "did", "award": {"xp": "event.score"}}],
            "leaderboards": {"xp": board},
        },
        1,
    )


NOW = datetime(2026, 11, 11, 12, tzinfo=UTC)  # a Wednesday


def played(*days_scores: tuple[int, int]) -> list[Event]:
    """(days before NOW, score) per event, in order."""
    return [
        Event(seq, "did", NOW - timedelta(days=days), "UTC", {"score": score})
        for seq, (days, score) in enumerate(days_scores, start=1)
    ]


def score(period: str, events: list[Event]) -> tuple[int, int] | None:
    compiled = design(period)
    scores = BoardScores.over(compiled.leaderboards, NOW)
    replay("p", events, compiled, scores)
    return scores.scores.get("xp")


def test_a_score_counts_only_the_events_of_the_run_the_report_covers() -> None:
    log = played((9, 100), (2, 10), (1, 5), (0, 1))
    assert score("all", log) == (116, 4)
    assert score("week", log) == (16, 4)  # Monday the 9th onwards
    assert score("day", log) == (1, 4)
    assert score("rolling", log) == (6, 4)  # yesterday and today
    assert score("day", played((3, 5))) is None  # not on today's board at all


def test_equal_scores_rank_whoever_reached_them_first_higher_and_only_the_top_n_stay() -> None:
    compiled = design("all", "ordinal")
    boards = compiled.leaderboards
    tally = BoardTally(boards, boards, NOW)
    for number in range(TOP_N + 5):
        # Everyone scores 50 but at a later seq the higher their number; p3 scores more.
        scores = BoardScores(BoardScores.over(boards, NOW).targets, {"xp": (50, 100 + number)})
        if number == 3:
            scores.scores["xp"] = (70, 100)
        tally.add(f"p{number}", number, {}, scores, scores)
    [part] = tally.report()["xp"]["partitions"]
    assert [e["player"] for e in part["after"]] == ["p3", "p0", "p1", "p2"] + [
        f"p{n}" for n in range(4, TOP_N)
    ]
    assert [e["rank"] for e in part["after"]] == list(range(1, TOP_N + 1))
    assert part["before"] == part["after"]
    assert part["entered"] == part["left"] == part["moved"] == []
