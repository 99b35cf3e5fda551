"""engine.awards: an amount lands on a balance by one rule, whoever gives it — a rule, a
reward or an administrator's grant."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from questline.engine.compiler import compile_design
from questline.engine.effects import CurrencyAwarded, Effect
from questline.engine.grants import GRANT_EVENT, manual_grant
from questline.engine.mechanics import Rewards
from questline.engine.periods import local_date, period_keys
from questline.engine.rewards import grant
from questline.engine.state import Balance, Event, PlayerState
from questline.engine.view import StateView
from questline.yamlfile import load_yaml

NOON = datetime(2026, 3, 10, 12, tzinfo=UTC)
PERIODS = period_keys(local_date(NOON, "UTC"))
DESIGN = compile_design(
    load_yaml("""
currencies:
  gems: {max: 100}
  xp: {levels: {thresholds: [0, 100, 300]}}
"""),
    2,
)


def what_moved(effects: list[Effect]) -> list[object]:
    """Each effect without what only says who gave it and why."""
    return [
        (e.currency, e.amount, e.balance_after, e.earned_after, e.breakdown["steps"])
        if isinstance(e, CurrencyAwarded)
        else e
        for e in effects
    ]


@given(
    currency=st.sampled_from(["gems", "xp"]),
    balance=st.integers(0, 400),
    earned_extra=st.integers(0, 400),
    amount=st.integers(1, 500),
)
def test_a_grant_and_a_reward_of_the_same_amount_land_on_the_same_balance(
    currency: str, balance: int, earned_extra: int, amount: int
) -> None:
    held = Balance(balance, balance + earned_extra)
    granted = manual_grant(
        StateView(PlayerState("p", balances={currency: held}), PERIODS, DESIGN),
        Event(1, GRANT_EVENT, NOON, "UTC", {"currency": currency, "amount": Decimal(amount)}),
    )
    rewarded_state = PlayerState("p", balances={currency: Balance(held.balance, held.earned)})
    rewarded = grant(
        Rewards.model_validate({"currencies": {currency: amount}}),
        "achievement",
        "scholar",
        "achievement scholar",
        StateView(rewarded_state, PERIODS, DESIGN),
    )
    assert what_moved(granted) == what_moved(rewarded)
    [awarded, *_] = rewarded
    assert isinstance(awarded, CurrencyAwarded)
    assert rewarded_state.balance(currency) == Balance(awarded.balance_after, awarded.earned_after)


def test_the_bounds_cut_a_grant_and_a_reward_alike() -> None:
    held = Balance(90, 90)
    granted = manual_grant(
        StateView(PlayerState("p", balances={"gems": held}), PERIODS, DESIGN),
        Event(1, GRANT_EVENT, NOON, "UTC", {"currency": "gems", "amount": Decimal(30)}),
    )
    rewarded = grant(
        Rewards.model_validate({"currencies": {"gems": 30}}),
        "quest",
        "weekly",
        "quest weekly",
        StateView(PlayerState("p", balances={"gems": Balance(90, 90)}), PERIODS, DESIGN),
    )
    step = {"step": "bounds", "min": 0, "max": 100, "result": 10}
    assert what_moved(granted) == what_moved(rewarded) == [("gems", 10, 100, 100, [step])]
