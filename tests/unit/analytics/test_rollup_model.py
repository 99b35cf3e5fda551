"""What one player's events add to the rollups, without a database: periods, first days
and retention "active on day N after the first day"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from questline.analytics.model import (
    ACTIVE,
    NEW_PLAYERS,
    RETAINED,
    DateRange,
    Interval,
    Rollup,
    add_player,
    periods_of,
    player_totals,
    wanted,
)
from questline.errors import InvalidInput

MONDAY = date(2026, 3, 2)


def test_a_day_belongs_to_its_iso_week_and_month() -> None:
    assert periods_of(date(2026, 3, 1)) == (
        (Interval.DAY, date(2026, 3, 1)),
        (Interval.WEEK, date(2026, 2, 23)),  # a Sunday ends the week that began on Monday
        (Interval.MONTH, date(2026, 3, 1)),
    )


def test_retention_is_activity_on_day_n_not_within_n_days() -> None:
    counts = player_totals({MONDAY, MONDAY + timedelta(days=2), MONDAY + timedelta(days=7)})
    assert counts[(RETAINED, MONDAY, "1")] == 0
    assert counts[(RETAINED, MONDAY, "7")] == 1
    assert counts[(NEW_PLAYERS, MONDAY, "")] == 1
    assert counts[(ACTIVE, MONDAY, "week")] == 1  # two days in one week: once
    assert counts[(ACTIVE, MONDAY + timedelta(days=7), "week")] == 1


def test_an_event_before_the_first_day_moves_the_player_to_an_earlier_cohort() -> None:
    first = MONDAY + timedelta(days=1)
    known = {(Interval.DAY, first), (Interval.DAY, first + timedelta(days=1))}
    rollup = Rollup()
    earlier = {MONDAY}
    add_player(rollup, 7, first, known & wanted(first, earlier), earlier)
    assert rollup.first_days == {7: MONDAY}
    assert rollup.counts[(NEW_PLAYERS, first, "")] == -1
    assert rollup.counts[(NEW_PLAYERS, MONDAY, "")] == 1
    # Day 1 after the old first day was counted; now day 1 after the new one is.
    assert rollup.counts[(RETAINED, first, "1")] == -1
    assert rollup.counts[(RETAINED, MONDAY, "1")] == 1


def test_a_day_already_counted_adds_no_activity() -> None:
    rollup = Rollup()
    known = set(periods_of(MONDAY))
    add_player(rollup, 7, MONDAY, known, {MONDAY})
    assert rollup.activity == []
    assert not +rollup.counts


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2026, 3, 2), date(2026, 3, 1), "after 'to'"),
        (date(2025, 1, 1), date(2026, 1, 2), "at most 366"),
    ],
)
def test_a_range_backwards_or_over_366_days_is_refused(
    start: date, end: date, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        DateRange.of(start, end)
    assert refused.value.errors[0]["loc"] == ["query", "to"]


def test_a_range_lists_the_periods_it_touches() -> None:
    days = DateRange.of(date(2026, 2, 27), date(2026, 3, 3))
    assert days.starts(Interval.WEEK) == [date(2026, 2, 23), MONDAY]
    assert days.starts(Interval.MONTH) == [date(2026, 2, 1), date(2026, 3, 1)]
