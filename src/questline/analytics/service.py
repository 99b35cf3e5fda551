"""What the API and the console read: each figure of one app over a range of its local
days, from the rollups (a few hundred rows at most, whatever the number of players),
and the current-state distributions from their snapshots.

Functions take a session and never commit. A week or a month is counted whole and named
by its first day, even where the range cuts it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from questline.analytics import snapshots, store
from questline.analytics.model import (
    ACTIVE,
    AWARDED,
    EVENTS,
    NEW_PLAYERS,
    RETAINED,
    RETENTION_DAYS,
    DateRange,
    Interval,
    period_start,
    share,
)
from questline.engine.periods import local_date
from questline.processing.designs import DesignCache
from questline.storage.bulk import BulkWriter


@dataclass(frozen=True)
class ActivityPoint:
    start: date  # the day, or the first day of the ISO week or month
    players: int  # distinct players with at least one event in it
    events: int


@dataclass(frozen=True)
class AwardPoint:
    day: date
    awarded: dict[str, int]  # currency -> the sum awarded that day


@dataclass(frozen=True)
class DayCount:
    day: date
    players: int


@dataclass(frozen=True)
class Retention:
    day: int  # N: active on the N-th day after the first
    eligible: int  # the cohort's players whose day N has ended
    retained: int  # of them, those active on their day N
    share: float | None


@dataclass(frozen=True)
class Cohort:
    week: date  # the Monday of the ISO week the players' first day fell in
    new_players: int
    retention: list[Retention]


@dataclass(frozen=True)
class Distribution:
    figure: str
    as_of: datetime
    data: dict[str, Any]


def time_zone(session: Session, app_id: int) -> str:
    return store.time_zones(BulkWriter(session), [app_id]).get(app_id, "UTC")


def today(session: Session, app_id: int, now: datetime | None = None) -> date:
    """The app's current local day."""
    return local_date(now or datetime.now(UTC), time_zone(session, app_id))


def activity(
    session: Session, app_id: int, days: DateRange, interval: Interval = Interval.DAY
) -> list[ActivityPoint]:
    bulk = BulkWriter(session)
    starts = days.starts(interval)
    players = {
        day: value
        for day, _, value in store.counts(
            bulk, app_id, ACTIVE, starts[0], days.end, key=interval.value
        )
    }
    events: dict[date, int] = defaultdict(int)
    for day, _, value in store.counts(
        bulk, app_id, EVENTS, starts[0], _period_end(starts[-1], interval)
    ):
        events[period_start(day, interval)] += value
    return [ActivityPoint(start, players.get(start, 0), events.get(start, 0)) for start in starts]


def awards(session: Session, app_id: int, days: DateRange) -> list[AwardPoint]:
    found: dict[date, dict[str, int]] = defaultdict(dict)
    currencies: set[str] = set()
    for day, currency, value in store.counts(
        BulkWriter(session), app_id, AWARDED, days.start, days.end
    ):
        found[day][currency] = value
        currencies.add(currency)
    return [
        AwardPoint(day, {c: found[day].get(c, 0) for c in sorted(currencies)})
        for day in days.days()
    ]


def new_players(session: Session, app_id: int, days: DateRange) -> list[DayCount]:
    found = {
        day: value
        for day, _, value in store.counts(
            BulkWriter(session), app_id, NEW_PLAYERS, days.start, days.end
        )
    }
    return [DayCount(day, found.get(day, 0)) for day in days.days()]


def retention(
    session: Session, app_id: int, days: DateRange, now: datetime | None = None
) -> list[Cohort]:
    """For each ISO week, the players whose first day in it falls in the range, and the
    share of them active on day 1, 7 and 30 after their first day. A day N not over
    yet (in the app's zone) is left out: `eligible` counts only players whose day N has
    ended, and `share` is None while none has."""
    bulk = BulkWriter(session)
    ended_before = today(session, app_id, now)
    new = {
        day: value
        for day, _, value in store.counts(bulk, app_id, NEW_PLAYERS, days.start, days.end)
    }
    retained = {
        (day, int(key)): value
        for day, key, value in store.counts(bulk, app_id, RETAINED, days.start, days.end)
    }
    cohorts = []
    for week in days.starts(Interval.WEEK):
        firsts = [week + timedelta(days=n) for n in range(7)]
        firsts = [d for d in firsts if days.start <= d <= days.end]
        rows = []
        for n in RETENTION_DAYS:
            over = [d for d in firsts if d + timedelta(days=n) < ended_before]
            eligible = sum(new.get(d, 0) for d in over)
            back = sum(retained.get((d, n), 0) for d in over)
            rows.append(Retention(n, eligible, back, share(back, eligible)))
        cohorts.append(Cohort(week, sum(new.get(d, 0) for d in firsts), rows))
    return cohorts


def distribution(
    session: Session, designs: DesignCache, app_id: int, figure: str, now: datetime | None = None
) -> Distribution:
    """The latest snapshot of a current-state figure (levels, streaks, achievements,
    quests), or one computed now if the periodic job has made none yet."""
    bulk = BulkWriter(session)
    kept = store.snapshot(bulk, app_id, figure)
    if kept is not None:
        return Distribution(figure, kept[0], kept[1])
    now = now or datetime.now(UTC)
    design = designs.current_for_reads(session, app_id)
    return Distribution(figure, now, snapshots.compute(bulk, design, app_id, figure, now))


def _period_end(start: date, interval: Interval) -> date:
    if interval is Interval.WEEK:
        return start + timedelta(days=6)
    if interval is Interval.MONTH:
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return following - timedelta(days=1)
    return start
