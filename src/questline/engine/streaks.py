"""Streaks: consecutive local days (or ISO weeks) on which a condition held.

A period is named by its first local date in the player's zone at the time of the
event, so a day lasts as long as that calendar day does there (23 or 25 hours on
daylight-saving nights, and a +05:45 zone's midnight is its own midnight).

Time-zone changes. A trip must neither break a streak nor double it:
- a period counts once: an event whose local period is not after the last counted
  one (a flight west can repeat a date) changes nothing;
- when the zone changed since the last counted period, the streak continues if the
  period is the next one in the new zone, *or* the event came before the next period
  ended in the old zone (a flight east can skip a date: the player is not punished
  for the hours the clock jumped).

Missed periods are settled when the condition next holds: each is covered by one
freeze (recorded with the date it covered) while freezes last; otherwise the streak
breaks and starts again at 1.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from questline.engine.mechanics import StreakPeriod
from questline.engine.mechanics_compiler import CompiledStreak
from questline.engine.mechanics_effects import (
    StreakBroken,
    StreakExtended,
    StreakFreezesGranted,
    StreakFrozen,
)
from questline.engine.periods import zone
from questline.engine.state import StreakState

StreakEffect = StreakExtended | StreakFrozen | StreakBroken | StreakFreezesGranted


def period_start(day: date, period: StreakPeriod) -> date:
    return day if period is StreakPeriod.DAY else day - timedelta(days=day.weekday())


def period_length(period: StreakPeriod) -> timedelta:
    return timedelta(days=1 if period is StreakPeriod.DAY else 7)


def period_end(start: date, period: StreakPeriod, time_zone: str) -> datetime:
    """The instant a period ends: local midnight after its last day, in the zone."""
    return datetime.combine(start + period_length(period), time(0), tzinfo=zone(time_zone))


def _gap(held: StreakState, start: date, period: StreakPeriod, at: datetime, time_zone: str) -> int:
    """How many periods after the last counted one `start` is (1 = the very next)."""
    assert held.last_on is not None
    gap = (start - held.last_on) // period_length(period)
    earlier_zone = held.last_zone
    if gap > 1 and earlier_zone is not None and earlier_zone != time_zone:
        next_period = held.last_on + period_length(period)
        if at < period_end(next_period, period, earlier_zone):
            return 1
    return gap


def extend(
    streak: CompiledStreak, held: StreakState, day: date, time_zone: str, at: datetime
) -> list[StreakEffect]:
    """The condition held on local `day` (in `time_zone`, at instant `at`)."""
    spec = streak.spec
    start = period_start(day, spec.period)
    step = period_length(spec.period)
    found: list[StreakEffect] = []
    if held.last_on is None:
        # Freezes granted before the first extension (a purchase, a reward) are kept.
        initial = spec.freezes.initial if spec.freezes else 0
        most = spec.freezes.max if spec.freezes else 0
        current, started_on = 1, start
        held = replace(held, freezes=min(held.freezes + initial, most))
    elif start <= held.last_on:
        return []  # already counted (or a flight west repeated the date)
    else:
        missed = _gap(held, start, spec.period, at, time_zone) - 1
        if missed == 0:
            current, started_on = held.current + 1, held.started_on or start
        elif held.freezes >= missed:
            freezes = held.freezes
            for index in range(1, missed + 1):
                freezes -= 1
                found.append(StreakFrozen(streak.key, held.last_on + index * step, freezes))
            held = replace(held, freezes=freezes)
            current, started_on = held.current + 1, held.started_on or start
        else:
            last_on = held.last_on
            assert last_on is not None
            found.append(StreakBroken(streak.key, held.current, last_on, missed))
            held = replace(held, broken_length=held.current, broken_started_on=held.started_on)
            current, started_on = 1, start

    granted = 0
    since_grant = held.since_grant + 1
    freezes = held.freezes
    every = spec.freezes.grant_every if spec.freezes is not None else None
    if spec.freezes is not None and every is not None and since_grant >= every:
        since_grant = 0
        if freezes < spec.freezes.max:
            granted, freezes = 1, freezes + 1
    after = replace(
        held,
        current=current,
        longest=max(held.longest, current),
        started_on=started_on,
        last_on=start,
        last_zone=time_zone,
        freezes=freezes,
        since_grant=since_grant,
    )
    found.append(
        StreakExtended(streak.key, start, current, after.longest, started_on, granted, after)
    )
    return found


def grant_freezes(
    streak: CompiledStreak, held: StreakState, count: int, reason: str
) -> StreakFreezesGranted:
    """Freezes from a reward or a purchase, up to the streak's maximum."""
    most = streak.spec.freezes.max if streak.spec.freezes else 0
    after = min(held.freezes + count, most)
    return StreakFreezesGranted(
        streak.key, after - held.freezes, after, reason, replace(held, freezes=after)
    )


@dataclass(frozen=True)
class StreakStatus:
    """What a player sees now: the streak as it stands at `now` in their zone."""

    current: int
    longest: int
    started_on: date | None
    last_period: date | None
    today_done: bool
    at_risk: bool
    ends_at: datetime | None  # when it breaks unless extended (or a freeze covers it)
    freezes: int
    freezes_max: int
    freezes_needed: int  # missed periods a freeze will cover when it is next extended


def status(
    streak: CompiledStreak, held: StreakState, now: datetime, time_zone: str
) -> StreakStatus:
    spec = streak.spec
    most = spec.freezes.max if spec.freezes else 0
    if held.last_on is None:
        return StreakStatus(0, 0, None, None, False, False, None, held.freezes, most, 0)
    today = period_start(now.astimezone(zone(time_zone)).date(), spec.period)
    gap = _gap(held, today, spec.period, now, time_zone) if today > held.last_on else 0
    missed = max(gap - 1, 0)
    alive = missed <= held.freezes
    current = held.current if alive else 0
    ends_at = None
    if alive and gap >= 1:
        # Unless extended this period, it needs one more freeze than it has… or breaks.
        ends_at = period_end(today, spec.period, time_zone)
    return StreakStatus(
        current=current,
        longest=held.longest,
        started_on=held.started_on if alive else None,
        last_period=held.last_on,
        today_done=gap == 0,
        at_risk=alive and gap >= 1 and held.freezes - missed < 1,
        ends_at=ends_at,
        freezes=held.freezes,
        freezes_max=most,
        freezes_needed=missed if alive else 0,
    )


class NothingToRestore(ValueError):
    """The streak has not broken, or was restored already."""


def restore(held: StreakState) -> StreakState:
    """Undo the last break: the broken streak's length is added back to the current one,
    as if the missed periods had been covered. Used by an administrator, and audited."""
    if held.broken_length == 0:
        raise NothingToRestore("this streak has no break to restore")
    current = held.broken_length + held.current
    return replace(
        held,
        current=current,
        longest=max(held.longest, current),
        started_on=held.broken_started_on or held.started_on,
        broken_length=0,
        broken_started_on=None,
    )
