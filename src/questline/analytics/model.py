"""The pure part: date ranges and periods, and what one player's events add to the
rollups. No I/O; the worker's projection and the rebuild from the log both use it.

Every day here is a local date in the app's analytics time zone. Retention is "active
on day N": a player whose first day is F is retained on day N when they have an event
on day F + N (not "within N days")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from questline.errors import InvalidInput

RETENTION_DAYS = (1, 7, 30)
MAX_RANGE_DAYS = 366

# Figures in analytics_counts.
EVENTS, AWARDED, ACTIVE, NEW_PLAYERS, RETAINED = (
    "events",
    "awarded",
    "active",
    "new_players",
    "retained",
)


class Interval(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO: Monday to Sunday
    MONTH = "month"


def period_start(day: date, interval: Interval) -> date:
    if interval is Interval.WEEK:
        return day - timedelta(days=day.weekday())
    if interval is Interval.MONTH:
        return day.replace(day=1)
    return day


def periods_of(day: date) -> tuple[tuple[Interval, date], ...]:
    """The day, ISO week and month `day` falls in, each named by its first day."""
    return tuple((interval, period_start(day, interval)) for interval in Interval)


@dataclass(frozen=True)
class DateRange:
    """Local days `start` to `end`, both included."""

    start: date
    end: date

    @classmethod
    def of(cls, start: date, end: date) -> DateRange:
        """A range a caller asked for, or a 422 naming the parameter that is wrong."""
        if start > end:
            raise InvalidInput(
                f"'from' ({start}) is after 'to' ({end})",
                errors=[{"loc": ["query", "to"], "message": "must not be before 'from'"}],
            )
        days = (end - start).days + 1
        if days > MAX_RANGE_DAYS:
            raise InvalidInput(
                f"the range holds {days} days; at most {MAX_RANGE_DAYS} are allowed",
                errors=[
                    {
                        "loc": ["query", "to"],
                        "message": f"at most {MAX_RANGE_DAYS} days after 'from'",
                    }
                ],
            )
        return cls(start, end)

    def days(self) -> Iterator[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)

    def starts(self, interval: Interval) -> list[date]:
        """The first day of every period of `interval` the range touches, in order (the
        first may begin before the range)."""
        return sorted({period_start(day, interval) for day in self.days()})


@dataclass
class Rollup:
    """What some events add to one app's rollups."""

    counts: Counter[tuple[str, date, str]] = field(default_factory=Counter)
    # Periods a player was active in for the first time: (player, interval, start).
    activity: list[tuple[int, Interval, date]] = field(default_factory=list)
    first_days: dict[int, date] = field(default_factory=dict)  # new or moved earlier

    def add_event(self, day: date, awards: Iterable[tuple[str, int]]) -> None:
        self.counts[(EVENTS, day, "")] += 1
        for currency, amount in awards:
            self.counts[(AWARDED, day, currency)] += amount


def wanted(first: date | None, days: set[date]) -> set[tuple[Interval, date]]:
    """The periods whose rows a player's update must read: the new days' periods, and
    the days retention looks at from the player's first day, old and new."""
    keys = {period for day in days for period in periods_of(day)}
    firsts = {min(days), *([first] if first else [])}
    keys.update((Interval.DAY, f + timedelta(days=n)) for f in firsts for n in RETENTION_DAYS)
    return keys


def add_player(
    rollup: Rollup,
    player_id: int,
    first: date | None,
    known: set[tuple[Interval, date]],
    days: set[date],
) -> None:
    """Add a player's new active `days` to `rollup`, given their stored first day and
    which of the periods `wanted(first, days)` they already have rows for."""
    new_first = min(days) if first is None else min(first, min(days))
    for key in sorted({period for day in days for period in periods_of(day)} - known):
        rollup.activity.append((player_id, *key))
        rollup.counts[(ACTIVE, key[1], key[0].value)] += 1
    had = {start for interval, start in known if interval is Interval.DAY}
    now = had | days
    if first != new_first:
        rollup.first_days[player_id] = new_first
        rollup.counts[(NEW_PLAYERS, new_first, "")] += 1
        if first is not None:
            rollup.counts[(NEW_PLAYERS, first, "")] -= 1
    # An event dated before the first day moves it: the retention it counted from the
    # old first day is taken back and counted again from the new one.
    for n in RETENTION_DAYS:
        if first is not None and first + timedelta(days=n) in had:
            rollup.counts[(RETAINED, first, str(n))] -= 1
        if new_first + timedelta(days=n) in now:
            rollup.counts[(RETAINED, new_first, str(n))] += 1


def player_totals(days: set[date]) -> Counter[tuple[str, date, str]]:
    """Everything one player's whole history adds to the counts, computed afresh (the
    rebuild's way, independent of the order events came in)."""
    counts: Counter[tuple[str, date, str]] = Counter()
    first = min(days)
    counts[(NEW_PLAYERS, first, "")] += 1
    for interval, start in {period for day in days for period in periods_of(day)}:
        counts[(ACTIVE, start, interval.value)] += 1
    for n in RETENTION_DAYS:
        if first + timedelta(days=n) in days:
            counts[(RETAINED, first, str(n))] += 1
    return counts


# Streak lengths are shown in these buckets: (label, lowest, highest or None).
STREAK_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0),
    ("1", 1, 1),
    ("2-3", 2, 3),
    ("4-7", 4, 7),
    ("8-14", 8, 14),
    ("15-30", 15, 30),
    ("31-60", 31, 60),
    ("61-100", 61, 100),
    ("101+", 101, None),
)


def streak_bucket(length: int) -> str:
    for label, low, high in STREAK_BUCKETS:
        if length >= low and (high is None or length <= high):
            return label
    return STREAK_BUCKETS[0][0]


def share(part: int, whole: int) -> float | None:
    """`part` of `whole`, from 0 to 1 rounded to four places; None of nobody."""
    return round(part / whole, 4) if whole else None
