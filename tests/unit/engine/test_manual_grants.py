"""engine.grants with plain objects: an administrator gives or takes back an amount."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from questline.engine.compiler import compile_design
from questline.engine.effects import CurrencyAwarded, LevelReached
from questline.engine.grants import GRANT_EVENT, GrantRejected, manual_grant
from questline.engine.periods import local_date, period_keys
from questline.engine.process import EventRejected, process
from questline.engine.state import Balance, Event, PlayerState
from questline.engine.view import StateView
from questline.yamlfile import load_yaml

NOON = datetime(2026, 3, 10, 12, tzinfo=UTC)
PERIODS = period_keys(local_date(NOON, "UTC"))
DESIGN = compile_design(
    load_yaml("""
currencies:
  gems: {max: 100, daily_cap: 5}
  xp: {levels: {thresholds: [0, 100, 300]}}
"""),
    4,
)


def grant_event(**properties: object) -> Event:
    values: dict[str, Any] = {
        k: Decimal(str(v)) if isinstance(v, int | float) else v for k, v in properties.items()
    }
    return Event(7, GRANT_EVENT, NOON, "UTC", values)


def granted(state: PlayerState, **properties: object) -> list[object]:
    return list(manual_grant(StateView(state, PERIODS, DESIGN), grant_event(**properties)))


def test_a_grant_is_written_with_who_gave_it_and_why() -> None:
    state = PlayerState("p", balances={"gems": Balance(4, 4)})
    [gems] = granted(state, currency="gems", amount=50, by="ops", reason="outage")
    assert gems == CurrencyAwarded(
        rule="manual:ops",
        currency="gems",
        amount=50,  # the daily cap is for rules, not for an administrator
        balance_after=54,
        earned_after=54,
        earned_today=None,
        explanation="manual grant by ops (outage): +50 gems",
        breakdown={
            "cause": "manual",
            "by": "ops",
            "reason": "outage",
            "requested": 50,
            "steps": [],
            "amount": 50,
            "currency": "gems",
            "config_version": 4,
        },
        cause="manual",
    )


def test_taking_back_stops_at_the_minimum_and_does_not_lower_what_was_earned() -> None:
    state = PlayerState("p", balances={"gems": Balance(30, 45)})
    [gems] = granted(state, currency="gems", amount=-50, by="ops", reason="chargeback")
    assert isinstance(gems, CurrencyAwarded)
    assert (gems.amount, gems.balance_after, gems.earned_after) == (-30, 0, 45)
    assert gems.breakdown["steps"] == [{"step": "bounds", "min": 0, "max": 100, "result": -30}]
    assert (
        gems.explanation == "manual grant by ops (chargeback): -50 gems; kept within bounds → -30"
    )


def test_a_grant_that_crosses_a_level_reaches_it() -> None:
    state = PlayerState("p", balances={"xp": Balance(50, 90)})
    found = granted(state, currency="xp", amount=15, by="ops")
    assert found[1:] == [LevelReached("xp", 2, 1)]
    assert isinstance(found[0], CurrencyAwarded)
    assert found[0].explanation == "manual grant by ops (): +15 xp"


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ({"currency": "coins", "amount": 5}, "the game design has no currency 'coins'"),
        ({"amount": 5}, "the game design has no currency"),
        ({"currency": "gems", "amount": 2.5}, "a grant's amount must be a whole number"),
        ({"currency": "gems", "amount": "5"}, "a grant's amount must be a whole number"),
    ],
)
def test_a_grant_the_design_cannot_take_is_refused_and_changes_nothing(
    properties: dict[str, object], message: str
) -> None:
    state = PlayerState("p", balances={"gems": Balance(4, 4)})
    with pytest.raises(GrantRejected, match=message):
        granted(state, **properties)
    with pytest.raises(EventRejected, match=message):
        process(state, grant_event(**properties), DESIGN)
    assert state.balances == {"gems": Balance(4, 4)}
