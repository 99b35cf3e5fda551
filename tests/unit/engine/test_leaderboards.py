"""Board periods, runs and ranks: pure functions, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from questline.engine.compiler import DesignError, compile_design
from questline.engine.leaderboards import (
    Leaderboard,
    Ranking,
    assign_ranks,
    run_at,
    run_named,
)


def _board(**fields: Any) -> Leaderboard:
    return Leaderboard.model_validate({"rank_by": "currency.xp", **fields})


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_an_all_time_board_has_one_run() -> None:
    run = run_at(_board(), _utc(2026, 11, 21, 12))
    assert run is not None
    assert (run.key, run.starts_at, run.ends_at) == ("all", None, None)


def test_a_daily_board_turns_over_at_midnight_in_its_zone_not_utc() -> None:
    board = _board(period="day", time_zone="Asia/Kathmandu")  # UTC+05:45
    before = run_at(board, _utc(2026, 11, 21, 18, 14))
    after = run_at(board, _utc(2026, 11, 21, 18, 15))
    assert before is not None
    assert after is not None
    assert (before.key, after.key) == ("2026-11-21", "2026-11-22")
    assert after.starts_at == _utc(2026, 11, 21, 18, 15)


def test_iso_weeks_start_on_monday_and_can_be_configured_to_start_on_sunday() -> None:
    saturday = _utc(2026, 11, 21, 12)
    iso = run_at(_board(period="week"), saturday)
    sunday_weeks = run_at(_board(period="week", week_starts="sunday"), saturday)
    assert iso is not None
    assert sunday_weeks is not None
    assert iso.key == "2026-11-16"
    assert sunday_weeks.key == "2026-11-15"


@pytest.mark.parametrize(
    ("week_of", "hours"),
    [
        ("2026-03-02", 167),  # New York springs forward on Sunday 8 March
        ("2026-03-09", 168),
        ("2026-10-26", 169),  # and falls back on Sunday 1 November
    ],
)
def test_weeks_last_167_168_or_169_hours_across_dst(week_of: str, hours: int) -> None:
    board = _board(period="week", time_zone="America/New_York")
    run = run_named(board, week_of)
    assert run is not None
    assert run.starts_at is not None
    assert run.ends_at is not None
    assert run.ends_at - run.starts_at == timedelta(hours=hours)


def test_months_follow_the_calendar_in_the_zone() -> None:
    board = _board(period="month", time_zone="Europe/Berlin")
    run = run_at(board, _utc(2026, 12, 31, 23, 30))  # already January in Berlin
    assert run is not None
    assert run.key == "2027-01-01"
    assert run.starts_at == _utc(2026, 12, 31, 23)
    assert run.ends_at == _utc(2027, 1, 31, 23)


def test_a_rolling_board_s_window_is_the_last_n_local_days_today_included() -> None:
    board = _board(period="rolling", days=7, time_zone="Europe/Berlin")
    run = run_at(board, _utc(2026, 11, 21, 23, 30))  # already Sunday 22nd in Berlin
    assert run is not None
    assert (run.key, run.starts_at, run.ends_at) == (
        "rolling",
        _utc(2026, 11, 15, 23),
        _utc(2026, 11, 22, 23),
    )
    day = run_named(board, "2026-11-22")
    assert day is not None
    assert (day.starts_at, day.ends_at) == (_utc(2026, 11, 21, 23), _utc(2026, 11, 22, 23))


def test_a_window_board_counts_only_inside_its_window() -> None:
    board = _board(
        period="window", starts_at="2026-12-01T00:00:00Z", ends_at="2026-12-08T00:00:00Z"
    )
    assert run_at(board, _utc(2026, 11, 30, 23, 59)) is None
    inside = run_at(board, _utc(2026, 12, 1))
    assert inside is not None
    assert inside.key == "window"
    assert run_at(board, _utc(2026, 12, 8)) is None


def test_run_named_accepts_only_the_start_of_a_run() -> None:
    board = _board(period="week")
    assert run_named(board, "2026-11-16") is not None
    assert run_named(board, "2026-11-17") is None
    assert run_named(board, "last-week") is None
    assert run_named(_board(), "all") is not None
    assert run_named(_board(), "2026-11-16") is None


# Event times are accepted from 2000 up to 9999-01-01 (api.inputs); a month's run that
# ends after year 9999 cannot be written as a datetime at all.
@given(
    st.datetimes(
        timezones=st.sampled_from([UTC]),
        min_value=datetime(2000, 1, 1),
        max_value=datetime(9998, 12, 31, 23, 59),
    )
)
def test_every_instant_falls_in_the_run_it_is_assigned_to(at: datetime) -> None:
    for period in ("day", "week", "month"):
        board = _board(period=period, time_zone="America/Santiago")
        run = run_at(board, at)
        assert run is not None
        assert run.starts_at is not None
        assert run.ends_at is not None
        assert run.starts_at <= at < run.ends_at
        assert run_named(board, run.key) == run


def test_the_three_ranking_methods() -> None:
    scores = [70, 50, 50, 20]
    assert assign_ranks(scores, Ranking.COMPETITION, first_rank=1, first_position=1) == [1, 2, 2, 4]
    assert assign_ranks(scores, Ranking.DENSE, first_rank=1, first_position=1) == [1, 2, 2, 3]
    assert assign_ranks(scores, Ranking.ORDINAL, first_rank=1, first_position=1) == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("board", "loc", "message"),
    [
        ({"rank_by": "currency.gold"}, ["leaderboards", "b", "rank_by"], "unknown currency 'gold'"),
        ({"rank_by": "quest.daily"}, ["leaderboards", "b", "rank_by"], "cannot rank by 'quest'"),
        ({"rank_by": "streak.daily"}, ["leaderboards", "b", "rank_by"], "unknown streak 'daily'"),
        (
            {"rank_by": "currency.xp", "time_zone": "Mars/Olympus"},
            ["leaderboards", "b"],
            "unknown time zone",
        ),
        ({"rank_by": "currency.xp", "period": "window"}, ["leaderboards", "b"], "needs both"),
        (
            {
                "rank_by": "currency.xp",
                "period": "window",
                "starts_at": "0001-01-01T00:00:00+14:00",
                "ends_at": "2030-01-01T00:00:00Z",
            },
            ["leaderboards", "b"],
            "0001-01-01T00:00:00+14:00 lies outside UTC's calendar",
        ),
        (
            {
                "rank_by": "currency.xp",
                "period": "window",
                "starts_at": "2030-01-01T00:00:00Z",
                "ends_at": "9999-12-31T23:59:59-14:00",
            },
            ["leaderboards", "b"],
            "9999-12-31T23:59:59-14:00 lies outside UTC's calendar",
        ),
        ({"rank_by": "currency.xp", "period": "rolling"}, ["leaderboards", "b"], "needs 'days'"),
        ({"rank_by": "currency.xp", "days": 7}, ["leaderboards", "b"], "only for period: rolling"),
        (
            {"rank_by": "currency.xp", "period": "fortnight"},
            ["leaderboards", "b", "period"],
            "'all'",
        ),
    ],
)
def test_a_bad_board_is_reported_with_its_location(
    board: dict[str, Any], loc: list[str], message: str
) -> None:
    with pytest.raises(DesignError) as raised:
        compile_design({"currencies": {"xp": {}}, "leaderboards": {"b": board}})
    issues = [(list(i.loc), i.message) for i in raised.value.issues]
    assert any(found == loc and message in text for found, text in issues), issues
