"""engine.process with plain objects: no database, no framework."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from questline.engine.compiler import CompiledDesign, DesignError, compile_design
from questline.engine.effects import CurrencyAwarded, LevelReached, MetricIncremented, RuleSkipped
from questline.engine.process import EventRejected, process
from questline.engine.state import Balance, Event, Item, PlayerState
from questline.yamlfile import load_yaml

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def design(text: str, version: int = 1) -> CompiledDesign:
    return compile_design(load_yaml(text), version)


def event(
    type_: str = "did",
    at: datetime = NOON,
    zone: str = "UTC",
    item: Item | None = None,
    seq: int = 1,
    **props: Any,
) -> Event:
    values = {
        k: Decimal(str(v)) if isinstance(v, int | float) and not isinstance(v, bool) else v
        for k, v in props.items()
    }
    return Event(seq=seq, type=type_, occurred_at=at, time_zone=zone, properties=values, item=item)


def awards(effects: Any) -> list[CurrencyAwarded]:
    return list(effects.of_kind(CurrencyAwarded))


POINTS = """
currencies:
  points: {rounding: half_up}
rules:
  - id: base
    on: did
    award: {points: "event.n * 2"}
"""


def test_an_award_follows_its_expression_and_says_how() -> None:
    effects = process(PlayerState("p"), event(n=7), design(POINTS))
    [award] = awards(effects)
    assert award.amount == 14
    assert award.balance_after == 14
    assert award.breakdown["inputs"] == {"event.n": 7}
    assert award.breakdown["config_version"] == 1
    assert award.explanation == "base: event.n * 2 with event.n = 7 gives 14: +14 points"
    assert effects.config_version == 1


def test_an_explanation_writes_inputs_as_the_design_does_and_a_missing_one_as_missing() -> None:
    text = """
currencies: {points: {}}
rules:
  - id: run
    on: did
    award: {points: "default(event.duration_s, 5) + (1 if event.outdoor == true else 0)"}
    when: "event.kind == 'run'"
"""
    effects = process(PlayerState("p"), event(kind="run", outdoor=True), design(text))
    [award] = awards(effects)
    assert award.amount == 6
    assert "event.duration_s = missing" in award.explanation
    assert "event.outdoor = true" in award.explanation
    assert "None" not in award.explanation
    assert "True" not in award.explanation


def test_events_of_other_types_award_nothing() -> None:
    assert awards(process(PlayerState("p"), event("other", n=7), design(POINTS))) == []


def test_process_is_deterministic_and_leaves_the_state_alone() -> None:
    state = PlayerState("p", balances={"points": Balance(10, 10)})
    first = process(state, event(n=3), design(POINTS))
    second = process(state, event(n=3), design(POINTS))
    assert first == second
    assert state.balances == {"points": Balance(10, 10)}


def test_multipliers_then_bonuses_then_rounding_each_recorded() -> None:
    compiled = design("""
currencies: {points: {rounding: half_up}}
rules:
  - id: lift
    on: did
    award: {points: "event.base"}
    multiply:
      - {name: Heavy, when: "event.kg > 40", by: 1.5}
      - {name: Never, when: "event.kg > 1000", by: 10}
    add: [{name: Streak, amount: 2}]
""")
    [award] = awards(process(PlayerState("p"), event(base=5, kg=50), compiled))
    # 5 × 1.5 = 7.5, + 2 = 9.5, half up → 10
    assert award.amount == 10
    assert [step["step"] for step in award.breakdown["steps"]] == ["multiply", "add", "round"]


@pytest.mark.parametrize(
    ("rounding", "expected"), [("floor", 2), ("ceil", 3), ("half_up", 3), ("half_even", 2)]
)
def test_each_rounding_rule_rounds_2_point_5_its_own_way(rounding: str, expected: int) -> None:
    compiled = design(f"""
currencies: {{c: {{rounding: {rounding}}}}}
rules: [{{id: r, on: did, award: {{c: "5 / 2"}}}}]
""")
    assert awards(process(PlayerState("p"), event(), compiled))[0].amount == expected


def test_a_daily_cap_counts_in_the_players_own_day() -> None:
    compiled = design("""
currencies: {xp: {daily_cap: 100}}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
""")
    state = PlayerState("p")
    tokyo_evening = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)  # 23:30 in Tokyo
    first = process(state, event(n=80, at=tokyo_evening, zone="Asia/Tokyo"), compiled)
    for effect in first.items:
        from questline.engine.effects import apply_effect

        apply_effect(state, effect)
    capped = awards(
        process(
            state,
            event(n=80, at=tokyo_evening + timedelta(minutes=10), zone="Asia/Tokyo"),
            compiled,
        )
    )[0]
    assert capped.amount == 20
    assert capped.breakdown["steps"][-1] == {
        "step": "daily_cap",
        "cap": 100,
        "earned_today": 80,
        "result": 20,
    }
    # 00:40 the next day in Tokyo: a new day, a fresh cap (state holds only loaded periods)
    fresh = awards(
        process(
            state,
            event(n=80, at=tokyo_evening + timedelta(minutes=70), zone="Asia/Tokyo"),
            compiled,
        )
    )[0]
    assert fresh.amount == 80


def test_balances_stay_within_bounds() -> None:
    compiled = design("""
currencies: {rep: {min: -5, max: 20}}
rules: [{id: r, on: did, award: {rep: "event.n"}}]
""")
    assert (
        awards(process(PlayerState("p", balances={"rep": Balance(18, 18)}), event(n=5), compiled))[
            0
        ].amount
        == 2
    )
    assert (
        awards(process(PlayerState("p", balances={"rep": Balance(-3, 0)}), event(n=-9), compiled))[
            0
        ].amount
        == -2
    )


def test_levels_come_from_the_lifetime_total() -> None:
    compiled = design("""
currencies: {xp: {levels: {formula: "floor(sqrt(total / 100)) + 1"}}}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
""")
    effects = process(PlayerState("p", balances={"xp": Balance(90, 390)}), event(n=10), compiled)
    assert effects.of_kind(LevelReached) == [LevelReached("xp", 3, 2)]


def test_a_limited_rule_fires_its_times_per_day_then_says_why_not() -> None:
    compiled = design("""
currencies: {xp: {}}
rules: [{id: login, on: did, award: {xp: 5}, limit: {times: 1, per: day}}]
""")
    state = PlayerState("p")
    from questline.engine.effects import apply_effect

    for effect in process(state, event(), compiled).items:
        apply_effect(state, effect)
    second = process(state, event(at=NOON + timedelta(hours=1)), compiled)
    assert awards(second) == []
    assert second.of_kind(RuleSkipped) == [RuleSkipped("login", "already fired 1 time(s) this day")]


def test_a_cooldown_skips_until_it_has_passed() -> None:
    compiled = design("""
currencies: {xp: {}}
rules: [{id: r, on: did, award: {xp: 1}, cooldown: 10m}]
""")
    state = PlayerState("p")
    from questline.engine.effects import apply_effect

    for effect in process(state, event(), compiled).items:
        apply_effect(state, effect)
    assert awards(process(state, event(at=NOON + timedelta(minutes=9)), compiled)) == []
    assert len(awards(process(state, event(at=NOON + timedelta(minutes=10)), compiled))) == 1


def test_metrics_count_sum_and_active_days_per_period() -> None:
    compiled = design("""
metrics:
  sessions: {count: did}
  minutes: {sum: did, of: "event.minutes"}
  days: {active_days: did}
""")
    effects = process(PlayerState("p"), event(minutes=25), compiled)
    found = {m.metric: m for m in effects.of_kind(MetricIncremented)}
    assert found["minutes"].values == {"d:2026-03-10": 25, "w:2026-W11": 25, "all": 25}
    assert found["sessions"].by == 1
    assert found["days"].values == {"d:2026-03-10": 1, "w:2026-W11": 1, "all": 1}


def test_a_missing_property_rejects_the_event_with_a_reason() -> None:
    with pytest.raises(EventRejected, match=r"rule 'base'.*event\.n"):
        process(PlayerState("p"), event(), design(POINTS))


def test_rules_read_item_attributes() -> None:
    compiled = design("""
currencies: {xp: {}}
rules: [{id: r, on: did, award: {xp: "item.xp * event.score / 100"}}]
""")
    item = Item("c1", "challenge", {"xp": Decimal(100)})
    assert awards(process(PlayerState("p"), event(item=item, score=85), compiled))[0].amount == 85


def test_a_design_with_errors_lists_each_with_its_location() -> None:
    with pytest.raises(DesignError) as raised:
        design("""
currencies: {xp: {}}
rules:
  - {id: a, on: did, award: {gold: 1}}
  - {id: b, on: did, award: {xp: "currency.xpp + 1"}}
  - {id: c, on: did, when: "event.n >", award: {xp: 1}}
""")
    found = {tuple(issue.loc): issue for issue in raised.value.issues}
    assert set(found) == {
        ("rules", 0, "award", "gold"),
        ("rules", 1, "award", "xp"),
        ("rules", 2, "when"),
    }
    assert "did you mean 'currency.xp'" in found[("rules", 1, "award", "xp")].message
    assert found[("rules", 1, "award", "xp")].position == 0
