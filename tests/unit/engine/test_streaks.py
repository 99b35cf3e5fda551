"""Streaks in the player's own calendar: DST nights, half-hour zones, trips, freezes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from questline.engine.compiler import CompiledDesign, compile_design
from questline.engine.mechanics_effects import StreakBroken, StreakExtended, StreakFrozen
from questline.engine.process import step
from questline.engine.state import Event, PlayerState, StreakState
from questline.engine.streaks import NothingToRestore, restore, status
from questline.yamlfile import load_yaml

DAILY = """
metrics:
  lessons: {count: lesson.done}
streaks:
  daily:
    when: "metric.lessons.today >= 1"
    freezes: {max: 2, initial: FREEZES}
"""


def design(freezes: int = 0, text: str = DAILY) -> CompiledDesign:
    return compile_design(load_yaml(text.replace("FREEZES", str(freezes))), 1)


def local(zone: str, y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(zone))


class Player:
    def __init__(self, compiled: CompiledDesign) -> None:
        self.design = compiled
        self.state = PlayerState("p")
        self.seq = 0
        self.effects: list[object] = []

    def lesson(self, at: datetime, zone: str | None = None) -> list[object]:
        self.seq += 1
        zone_name = zone or str(at.tzinfo)
        event = Event(self.seq, "lesson.done", at.astimezone(UTC), zone_name, {})
        effects, self.state = step(self.state, event, self.design)
        self.effects = list(effects.items)
        return self.effects

    @property
    def streak(self) -> int:
        return self.state.streak("daily").current


def extended(effects: list[object]) -> list[StreakExtended]:
    return [e for e in effects if isinstance(e, StreakExtended)]


def test_streak_survives_the_23_hour_day_in_new_york() -> None:
    player = Player(design())
    # 2026-03-08 is 23 hours long in New York (clocks go 02:00 → 03:00).
    player.lesson(local("America/New_York", 2026, 3, 7, 23, 30))
    player.lesson(local("America/New_York", 2026, 3, 8, 23, 30))
    player.lesson(local("America/New_York", 2026, 3, 9, 0, 30))
    assert player.streak == 3
    assert player.state.streak("daily").started_on == date(2026, 3, 7)


def test_streak_survives_the_25_hour_day_in_new_york_and_counts_it_once() -> None:
    player = Player(design())
    # 2026-11-01 is 25 hours long: 00:30 and 23:30 are the same day, 25 hours apart.
    player.lesson(local("America/New_York", 2026, 10, 31, 12))
    player.lesson(local("America/New_York", 2026, 11, 1, 0, 30))
    assert extended(player.lesson(local("America/New_York", 2026, 11, 1, 23, 30))) == []
    player.lesson(local("America/New_York", 2026, 11, 2, 0, 10))
    assert player.streak == 3


def test_streak_survives_both_2026_changes_in_berlin() -> None:
    player = Player(design())
    days = [(3, 28), (3, 29), (3, 30), (10, 24), (10, 25), (10, 26)]
    for month, day in days[:3]:
        player.lesson(local("Europe/Berlin", 2026, month, day, 23, 45))
    assert player.streak == 3
    fresh = Player(design())
    for month, day in days[3:]:
        fresh.lesson(local("Europe/Berlin", 2026, month, day, 0, 15))
    assert fresh.streak == 3


def test_lord_howe_half_hour_dst_does_not_move_the_day() -> None:
    player = Player(design())
    # Lord Howe turns its clocks back 30 minutes on 2026-04-05 at 02:00.
    for day in (4, 5, 6):
        player.lesson(local("Australia/Lord_Howe", 2026, 4, day, 23, 50))
    assert player.streak == 3
    assert player.state.streak("daily").last_on == date(2026, 4, 6)


def test_kathmandu_days_turn_at_its_own_midnight() -> None:
    player = Player(design())
    # 18:10 and 18:20 UTC are ten minutes apart but on two days at +05:45.
    player.lesson(datetime(2026, 3, 10, 18, 10, tzinfo=UTC), "Asia/Kathmandu")
    player.lesson(datetime(2026, 3, 10, 18, 20, tzinfo=UTC), "Asia/Kathmandu")
    assert player.streak == 2
    assert player.state.streak("daily").last_on == date(2026, 3, 11)


def test_a_player_flying_tokyo_to_los_angeles_keeps_the_streak_without_doubling_it() -> None:
    player = Player(design())
    player.lesson(local("Asia/Tokyo", 2026, 3, 8, 20))
    player.lesson(local("Asia/Tokyo", 2026, 3, 9, 20))  # Monday evening in Tokyo
    # Lands in Los Angeles on Monday morning, local time: Monday again.
    assert extended(player.lesson(local("America/Los_Angeles", 2026, 3, 9, 16))) == []
    assert player.streak == 2
    player.lesson(local("America/Los_Angeles", 2026, 3, 10, 9))
    assert player.streak == 3
    assert not any(isinstance(e, StreakBroken) for e in player.effects)


def test_a_player_flying_east_is_not_punished_for_the_skipped_date() -> None:
    player = Player(design())
    player.lesson(local("America/Los_Angeles", 2026, 3, 9, 20))  # Monday in LA
    # Eleven hours later it is Wednesday 08:00 in Tokyo, but still Tuesday in LA.
    effects = player.lesson(local("Asia/Tokyo", 2026, 3, 11, 8))
    assert not any(isinstance(e, StreakBroken) for e in effects)
    assert player.streak == 2


def test_a_freeze_is_consumed_on_the_missed_day_and_not_on_the_next() -> None:
    player = Player(design(freezes=1))
    player.lesson(local("UTC", 2026, 5, 4, 9))  # Monday
    effects = player.lesson(local("UTC", 2026, 5, 6, 9))  # Wednesday: Tuesday missed
    frozen = [e for e in effects if isinstance(e, StreakFrozen)]
    assert [(f.covered, f.freezes_left) for f in frozen] == [(date(2026, 5, 5), 0)]
    assert player.streak == 2
    effects = player.lesson(local("UTC", 2026, 5, 7, 9))  # Thursday
    assert not any(isinstance(e, StreakFrozen) for e in effects)
    assert player.streak == 3
    assert player.state.streak("daily").freezes == 0


def test_without_a_freeze_a_missed_day_breaks_the_streak_and_restore_undoes_it() -> None:
    player = Player(design())
    for day in (4, 5, 6):
        player.lesson(local("UTC", 2026, 5, day, 9))
    effects = player.lesson(local("UTC", 2026, 5, 8, 9))
    [broken] = [e for e in effects if isinstance(e, StreakBroken)]
    assert (broken.length, broken.last_period, broken.missed) == (3, date(2026, 5, 6), 1)
    assert player.streak == 1
    assert player.state.streak("daily").longest == 3
    restored = restore(player.state.streak("daily"))
    assert (restored.current, restored.started_on) == (4, date(2026, 5, 4))
    try:
        restore(restored)
    except NothingToRestore:
        pass
    else:
        raise AssertionError("a streak can be restored only once per break")


def test_freezes_are_granted_every_n_days_up_to_the_maximum() -> None:
    text = DAILY.replace("{max: 2, initial: FREEZES}", "{max: 1, grant_every: 2}")
    player = Player(design(text=text))
    grants = []
    for day in range(4, 10):
        grants += [
            e.freezes_granted for e in extended(player.lesson(local("UTC", 2026, 5, day, 9)))
        ]
    assert grants == [0, 1, 0, 0, 0, 0]  # the second grant would exceed the maximum of 1
    assert player.state.streak("daily").freezes == 1


def test_status_says_done_today_at_risk_and_when_it_ends() -> None:
    compiled = design()
    player = Player(compiled)
    player.lesson(local("Europe/Berlin", 2026, 3, 28, 10))
    [streak] = compiled.streaks
    held = player.state.streak("daily")
    same_day = status(streak, held, local("Europe/Berlin", 2026, 3, 28, 22), "Europe/Berlin")
    assert (same_day.current, same_day.today_done, same_day.at_risk) == (1, True, False)
    next_day = status(streak, held, local("Europe/Berlin", 2026, 3, 29, 8), "Europe/Berlin")
    assert (next_day.current, next_day.today_done, next_day.at_risk) == (1, False, True)
    # The night of 29 March is the 23-hour day; it ends at local midnight all the same.
    assert next_day.ends_at == local("Europe/Berlin", 2026, 3, 30, 0)
    later = status(streak, held, local("Europe/Berlin", 2026, 3, 31, 8), "Europe/Berlin")
    assert (later.current, later.at_risk, later.longest) == (0, False, 1)


def test_weekly_streaks_count_iso_weeks() -> None:
    text = """
metrics:
  lessons: {count: lesson.done}
streaks:
  daily:
    period: week
    when: "metric.lessons.week >= 2"
"""
    player = Player(design(text=text))
    for day in (4, 5, 11, 12, 13, 18):  # weeks of 4, 11 and 18 May 2026
        player.lesson(local("UTC", 2026, 5, day, 9))
    assert player.streak == 2  # the third week has only one lesson so far
    player.lesson(local("UTC", 2026, 5, 24, 23))  # Sunday of that week
    assert player.streak == 3
    assert player.state.streak("daily").last_on == date(2026, 5, 18)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=30),
    st.sampled_from(["UTC", "America/New_York", "Europe/Berlin", "Asia/Kathmandu"]),
)
def test_without_freezes_the_streak_is_the_last_run_of_consecutive_days(
    offsets: list[int], zone: str
) -> None:
    player = Player(design())
    start = date(2026, 3, 1)
    for offset in sorted(offsets):
        day = start + timedelta(days=offset)
        player.lesson(datetime.combine(day, time(12), tzinfo=ZoneInfo(zone)))
    days = sorted({start + timedelta(days=o) for o in offsets})
    runs = [1]
    for before, after in itertools.pairwise(days):
        runs.append(runs[-1] + 1 if (after - before).days == 1 else 1)
    held = player.state.streak("daily")
    assert (held.current, held.longest) == (runs[-1], max(runs))
    assert held.started_on == days[-1] - timedelta(days=runs[-1] - 1)


def test_freezes_given_before_the_first_day_are_kept_with_the_initial_ones() -> None:
    from questline.engine.streaks import grant_freezes

    compiled = design(freezes=1)
    [streak] = compiled.streaks
    player = Player(compiled)
    player.state.streaks["daily"] = grant_freezes(streak, StreakState(), 5, "gift").state
    assert player.state.streak("daily").freezes == 2  # the maximum
    player.lesson(local("UTC", 2026, 5, 4, 9))
    assert player.state.streak("daily").freezes == 2
