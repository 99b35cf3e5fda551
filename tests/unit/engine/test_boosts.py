"""Boosts with plain objects: when a window starts (the stacking rule) and what an
active boost does to an award — its own line in the breakdown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from questline.engine import boosts
from questline.engine.compiler import CompiledDesign, compile_design
from questline.engine.effects import CurrencyAwarded
from questline.engine.process import process
from questline.engine.state import BoostWindow, Event, PlayerState
from questline.yamlfile import load_yaml

START = datetime(2026, 12, 7, 13, 20, tzinfo=UTC)  # 14:20 in Paris
DESIGN = compile_design(
    load_yaml("""
currencies:
  xp: {daily_cap: 100}
  gems: {}
  rep: {min: -10}
rules:
  - id: lesson
    on: lesson
    award: {xp: "event.n", gems: 1}
    multiply: [{name: Perfect, when: "event.perfect == true", by: 1.5, currency: xp}]
  - {id: slip, on: slip, award: {rep: -4}}
boosts:
  double-xp: {name: {en: Double XP, es: Doble XP}, multiply: {xp: 2}, duration_minutes: 15}
  weekend: {multiply: {xp: 1.5, rep: 2}, duration_minutes: 2880}
"""),
    2,
)


def window(key: str, start: datetime = START, minutes: int = 15) -> BoostWindow:
    spec = DESIGN.boosts[key]
    return BoostWindow(key, dict(spec.multiply), start, start + timedelta(minutes=minutes))


def lesson(
    at: datetime, n: int = 10, *, perfect: bool = False, zone: str = "Europe/Paris"
) -> Event:
    return Event(1, "lesson", at, zone, {"n": Decimal(n), "perfect": perfect})


def xp_award(state: PlayerState, event: Event, design: CompiledDesign = DESIGN) -> CurrencyAwarded:
    effects = process(state, event, design)
    return next(a for a in effects.of_kind(CurrencyAwarded) if a.currency == "xp")


def test_a_boost_is_its_own_line_of_the_breakdown_with_when_it_ends() -> None:
    state = PlayerState("p", boosts=(window("double-xp"),))
    award = xp_award(state, lesson(START + timedelta(minutes=5)))
    assert award.amount == 20
    assert award.breakdown["steps"] == [
        {
            "step": "boost",
            "boost": "double-xp",
            "name": "Double XP",
            "by": 2,
            "until": "2026-12-07T14:35:00+01:00",
            "result": 20,
        }
    ]
    assert award.explanation.endswith("gives 10; Double XP boost ×2, until 14:35 → 20: +20 xp")


def test_whether_a_boost_applies_is_decided_by_the_event_s_own_time() -> None:
    state = PlayerState("p", boosts=(window("double-xp"),))
    assert xp_award(state, lesson(START - timedelta(seconds=1))).amount == 10  # before
    assert xp_award(state, lesson(START)).amount == 20  # from its first instant
    assert xp_award(state, lesson(START + timedelta(minutes=15))).amount == 10  # ended


def test_a_boost_multiplies_after_the_rule_s_modifiers_and_before_the_daily_cap() -> None:
    state = PlayerState("p", boosts=(window("double-xp"),))
    award = xp_award(state, lesson(START, 45, perfect=True))
    steps = [(step["step"], step["result"]) for step in award.breakdown["steps"]]
    # 45 × 1.5 = 67.5, × 2 = 135, capped at 100 a day.
    assert steps == [("multiply", "67.5"), ("boost", 135), ("daily_cap", 100)]
    assert award.amount == 100


def test_different_boosts_multiply_each_other_in_the_order_of_their_keys() -> None:
    state = PlayerState("p", boosts=(window("weekend", minutes=600), window("double-xp")))
    award = xp_award(state, lesson(START))
    assert [(s["boost"], s["by"], s["result"]) for s in award.breakdown["steps"]] == [
        ("double-xp", 2, 20),
        ("weekend", "1.5", 30),
    ]
    assert award.amount == 30


def test_a_boost_touches_only_its_currencies_and_never_a_penalty() -> None:
    state = PlayerState("p", boosts=(window("double-xp"), window("weekend", minutes=600)))
    effects = process(state, lesson(START), DESIGN)
    gems = next(a for a in effects.of_kind(CurrencyAwarded) if a.currency == "gems")
    assert gems.amount == 1
    assert gems.breakdown["steps"] == []
    slip = process(state, Event(2, "slip", START, "UTC", {}), DESIGN)
    [rep] = slip.of_kind(CurrencyAwarded)
    assert rep.amount == -4  # the weekend boost doubles rep earned, not rep lost


def test_the_same_boost_started_again_queues_after_the_last_one() -> None:
    spec = DESIGN.boosts["double-xp"]
    first = boosts.activate("double-xp", spec, [], START)
    assert (first.starts_at, first.ends_at) == (START, START + timedelta(minutes=15))
    second = boosts.activate("double-xp", spec, [first], START + timedelta(minutes=5))
    assert (second.starts_at, second.ends_at) == (first.ends_at, START + timedelta(minutes=30))
    three = boosts.activate("double-xp", spec, [first, second], START, times=3)
    assert three.starts_at == START + timedelta(minutes=30)
    assert three.ends_at == START + timedelta(minutes=75)
    # Another boost does not queue behind it; a window that ended does not hold it up.
    other = boosts.activate("weekend", DESIGN.boosts["weekend"], [first, second], START)
    assert other.starts_at == START
    later = START + timedelta(hours=2)
    assert boosts.activate("double-xp", spec, [first, second], later).starts_at == later


def test_two_queued_windows_never_multiply_twice() -> None:
    spec = DESIGN.boosts["double-xp"]
    first = boosts.activate("double-xp", spec, [], START)
    second = boosts.activate("double-xp", spec, [first], START)
    state = PlayerState("p", boosts=(first, second))
    assert xp_award(state, lesson(START + timedelta(minutes=1))).amount == 20
    assert xp_award(state, lesson(START + timedelta(minutes=20))).amount == 20
    assert xp_award(state, lesson(START + timedelta(minutes=31))).amount == 10


def test_a_window_keeps_the_factors_it_was_bought_with() -> None:
    bought = BoostWindow("double-xp", {"xp": Decimal(3)}, START, START + timedelta(minutes=15))
    award = xp_award(PlayerState("p", boosts=(bought,)), lesson(START))
    assert award.amount == 30
    # A boost the design no longer declares is named by its key.
    gone = BoostWindow("retired", {"xp": Decimal(2)}, START, START + timedelta(minutes=15))
    step = xp_award(PlayerState("p", boosts=(gone,)), lesson(START)).breakdown["steps"][0]
    assert step["name"] == "retired"
