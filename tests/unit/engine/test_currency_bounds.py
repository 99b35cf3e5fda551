"""A currency's bounds: one rule, whatever moves the balance (an award, a grant, a reward)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from questline.engine.compiler import compile_design
from questline.engine.design import Currency
from questline.engine.effects import CurrencyAwarded
from questline.engine.grants import GRANT_EVENT
from questline.engine.process import process
from questline.engine.state import Balance, Event, PlayerState

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_a_change_that_would_cross_a_bound_stops_at_it() -> None:
    reputation = Currency(min=-5, max=20)
    assert reputation.clamp(18, 5) == 20
    assert reputation.clamp(-3, -9) == -5
    assert reputation.clamp(0, 7) == 7


def test_a_balance_beyond_a_tightened_bound_stays_there_but_may_come_back() -> None:
    # The design lowered max to 20 after the player reached 30.
    reputation = Currency(min=-5, max=20)
    assert reputation.clamp(30, 4) == 30
    assert reputation.clamp(30, -4) == 26
    assert reputation.clamp(30, -100) == -5
    # ... and raised min to 0 after the player fell to -8.
    gems = Currency(min=0)
    assert gems.clamp(-8, -2) == -8
    assert gems.clamp(-8, 3) == -5


def _moved_by(kind: str, held: int, amount: int, currency: Currency) -> CurrencyAwarded:
    prize = {"id": "prize", "when": "metric.go >= 1", "rewards": {"currencies": {"c": amount}}}
    design = compile_design(
        {
            "currencies": {"c": currency.model_dump()},
            "metrics": {"go": {"count": "go"}},
            "rules": [{"id": "award", "on": "did", "award": {"c": "event.n"}}],
            "achievements": [prize] if amount > 0 else [],
        }
    )
    properties: dict[str, Decimal | str] = {
        "award": {"n": Decimal(amount)},
        "grant": {"currency": "c", "amount": Decimal(amount), "by": "admin"},
        "reward": {},
    }[kind]
    event_type = {"award": "did", "grant": GRANT_EVENT, "reward": "go"}[kind]
    state = PlayerState("p", balances={"c": Balance(held, max(held, 0))})
    effects = process(state, Event(1, event_type, NOON, "UTC", properties), design)
    [moved] = effects.of_kind(CurrencyAwarded)
    return moved


@given(
    low=st.none() | st.integers(-50, 0),
    high=st.none() | st.integers(0, 50),
    held=st.integers(-100, 100),
    amount=st.integers(-100, 100),
)
def test_an_award_a_grant_and_a_reward_of_the_same_amount_land_on_the_same_balance(
    low: int | None, high: int | None, held: int, amount: int
) -> None:
    currency = Currency(min=low, max=high)
    kinds = ["award", "grant"] + (["reward"] if amount > 0 else [])  # rewards are positive
    moves = {kind: _moved_by(kind, held, amount, currency) for kind in kinds}

    after = {kind: move.balance_after for kind, move in moves.items()}
    assert set(after.values()) == {currency.clamp(held, amount)}, after
    landed = moves["grant"].balance_after
    assert all(move.amount == landed - held for move in moves.values())
    # A bound only ever shortens a move: never reverses or lengthens it.
    assert min(held, held + amount) <= landed <= max(held, held + amount)
    within = (low is None or low <= held) and (high is None or held <= high)
    if within:
        assert low is None or low <= landed
        assert high is None or landed <= high
    if landed != held + amount:
        assert landed in (held, low, high)
        assert all(move.breakdown["steps"][-1]["step"] == "bounds" for move in moves.values())
