"""Calendar periods in a player's own time zone.

Periods are named by local calendar dates, never by "now - 86,400 s": a day in
America/New_York can last 23 or 25 hours, and Asia/Kathmandu is UTC+05:45.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ALL_TIME = "all"


class Period(StrEnum):
    TODAY = "today"
    WEEK = "week"
    ALL = "all"


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_valid_zone(name: str) -> bool:
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


OUTSIDE_UTC = "{} lies outside UTC's calendar (years 1 to 9999); write it in UTC"


def fits_utc(at: datetime) -> bool:
    """Whether UTC's calendar holds the aware time `at`: a local time on 0001-01-01 east
    of UTC, or on 9999-12-31 west of it, falls outside, and comparing it with any other
    time raises OverflowError."""
    try:
        at.astimezone(UTC)
    except OverflowError:
        return False
    return True


def local_date(at: datetime, time_zone: str) -> date:
    if at.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    return at.astimezone(zone(time_zone)).date()


def day_key(day: date) -> str:
    return f"d:{day.isoformat()}"


def week_key(day: date) -> str:
    # ISO weeks start on Monday; the ISO year can differ from the calendar year
    # around New Year, which is why the key uses isocalendar() and not day.year.
    iso = day.isocalendar()
    return f"w:{iso.year}-W{iso.week:02d}"


@lru_cache(maxsize=4096)
def period_keys(day: date) -> dict[Period, str]:
    """The keys of the periods a day belongs to. Shared between callers: do not mutate."""
    return {Period.TODAY: day_key(day), Period.WEEK: week_key(day), Period.ALL: ALL_TIME}
