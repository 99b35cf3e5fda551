"""engine.rewards with plain objects: what an unlocked achievement or a completed quest
gives, and how the ledger explains it."""

from __future__ import annotations

from datetime import UTC, datetime

from questline.engine.compiler import compile_design
from questline.engine.effects import CurrencyAwarded, LevelReached
from questline.engine.mechanics import Rewards
from questline.engine.mechanics_effects import StreakFreezesGranted
from questline.engine.periods import local_date, period_keys
from questline.engine.rewards import grant
from questline.engine.state import Balance, PlayerState, StreakState
from questline.engine.view import StateView
from questline.yamlfile import load_yaml

PERIODS = period_keys(local_date(datetime(2026, 5, 4, 9, tzinfo=UTC), "UTC"))
DESIGN = compile_design(
    load_yaml("""
currencies:
  gems: {max: 100, daily_cap: 5}
  xp: {levels: {thresholds: [0, 100, 300]}}
streaks:
  daily: {when: "currency.xp >= 0", freezes: {max: 2}}
"""),
    3,
)


def rewards(**fields: object) -> Rewards:
    return Rewards.model_validate(fields)


def test_currencies_go_to_the_ledger_with_their_source_and_explanation() -> None:
    state = PlayerState("p", balances={"gems": Balance(10, 10)})
    found = grant(
        rewards(currencies={"gems": 20}),
        "achievement",
        "ten-passes/gold",
        "achievement ten-passes (gold)",
        StateView(state, PERIODS, DESIGN),
    )
    assert found == [
        CurrencyAwarded(
            rule="achievement:ten-passes/gold",
            currency="gems",
            amount=20,  # a reward is not subject to the daily cap
            balance_after=30,
            earned_after=30,
            earned_today=None,
            explanation="achievement ten-passes (gold): reward 20 gems: +20 gems",
            breakdown={
                "cause": "achievement",
                "source": "ten-passes/gold",
                "reward": 20,
                "steps": [],
                "amount": 20,
                "currency": "gems",
                "config_version": 3,
            },
            cause="achievement",
        )
    ]
    assert state.balance("gems") == Balance(30, 30)


def test_a_reward_stops_at_the_currency_s_maximum_and_says_so() -> None:
    state = PlayerState("p", balances={"gems": Balance(90, 90)})
    [gems] = grant(
        rewards(currencies={"gems": 25}),
        "quest",
        "sprint",
        "quest sprint",
        StateView(state, PERIODS, DESIGN),
    )
    assert isinstance(gems, CurrencyAwarded)
    assert (gems.amount, gems.balance_after, gems.cause) == (10, 100, "quest")
    assert gems.breakdown["steps"] == [{"step": "bounds", "min": 0, "max": 100, "result": 10}]
    assert gems.explanation == "quest sprint: reward 25 gems; kept within bounds → 10: +10 gems"


def test_a_reward_that_crosses_a_level_says_so_and_the_next_reward_sees_it() -> None:
    state = PlayerState("p", balances={"xp": Balance(90, 250)})
    view = StateView(state, PERIODS, DESIGN)
    found = grant(rewards(currencies={"xp": 60}), "quest", "q", "quest q", view)
    assert [type(e) for e in found] == [CurrencyAwarded, LevelReached]
    assert found[1] == LevelReached("xp", 3, 2)  # earned 250 -> 310 crosses 300
    assert grant(rewards(currencies={"xp": 60}), "quest", "q", "quest q", view)[1:] == []


def test_streak_freezes_are_given_up_to_the_streak_s_maximum() -> None:
    state = PlayerState("p", streaks={"daily": StreakState(current=4, freezes=1)})
    [granted] = grant(
        rewards(streak_freezes={"daily": 3}),
        "achievement",
        "loyal",
        "achievement loyal",
        StateView(state, PERIODS, DESIGN),
    )
    assert isinstance(granted, StreakFreezesGranted)
    assert (granted.count, granted.freezes, granted.reason) == (1, 2, "achievement loyal reward")
    assert state.streak("daily") == StreakState(current=4, freezes=2)


def test_items_alone_move_nothing_in_the_ledger() -> None:
    state = PlayerState("p")
    given = grant(
        rewards(items=["hat"]), "quest", "q", "quest q", StateView(state, PERIODS, DESIGN)
    )
    assert given == []
    assert state.balances == {}
