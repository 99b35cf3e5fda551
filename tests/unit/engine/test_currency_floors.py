"""A currency whose floor is above 0: a new player's balance starts at the floor, no
debit takes it lower, and the opening is a fact of its own so the ledger sums to the
balance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from questline.engine.compiler import CompiledDesign, DesignError, compile_design
from questline.engine.effects import BalanceOpened, CurrencyAwarded, effect_to_dict
from questline.engine.grants import GRANT_EVENT
from questline.engine.process import step
from questline.engine.state import Balance, Event, PlayerState
from questline.engine.view import StateView
from questline.yamlfile import load_yaml

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DESIGN = """
currencies:
  reputation: {min: 1, max: 1000}
  xp: {}
metrics:
  seen: {count: "*"}
rules:
  - {id: vote, on: voted, award: {reputation: "event.n"}}
  - {id: xp, on: played, award: {xp: 5}}
achievements:
  - {id: trusted, when: "currency.reputation >= 1", rewards: {currencies: {xp: 1}}}
"""


def _design(text: str = DESIGN) -> CompiledDesign:
    return compile_design(load_yaml(text), 3)


def _event(type_: str, seq: int = 1, **properties: int | str) -> Event:
    values = {k: Decimal(v) if isinstance(v, int) else v for k, v in properties.items()}
    return Event(seq, type_, NOON + timedelta(minutes=seq), "UTC", values)


def test_a_new_players_first_event_opens_the_balance_at_the_floor_before_anything_else() -> None:
    effects, state = step(PlayerState("p"), _event("played"), _design())
    first = effects.items[0]
    assert isinstance(first, BalanceOpened)
    assert effect_to_dict(first) == {
        "kind": "balance_opened",
        "currency": "reputation",
        "balance": 1,
        "explanation": "starting balance, the floor of reputation: +1 reputation",
    }
    assert state.balance("reputation") == Balance(1, 0)  # not earned: no level moves
    # Opened before the achievements look: "reputation >= 1" holds on the first event.
    assert "trusted" in {award[0] for award in state.awards}
    # Only once.
    again, _ = step(state, _event("played", seq=2), _design())
    assert not again.of_kind(BalanceOpened)


def test_a_debit_stops_at_the_floor_and_says_so() -> None:
    design = _design()
    _, state = step(PlayerState("p"), _event("voted", n=4), design)
    effects, state = step(state, _event("voted", seq=2, n=-10), design)
    [debit] = effects.of_kind(CurrencyAwarded)
    assert (debit.amount, debit.balance_after) == (-4, 1)
    assert "kept within bounds → -4" in debit.explanation


def test_a_balance_not_yet_opened_reads_as_the_floor() -> None:
    design = _design()
    view = StateView(PlayerState("p"), {}, design)
    assert view.resolve("currency.reputation") == Decimal(1)
    assert view.resolve("currency.xp") == Decimal(0)


def test_a_balance_held_before_the_floor_was_raised_is_left_where_it_was() -> None:
    # Reputation 0 from an older design without a floor: already opened, not moved.
    held = PlayerState("p", balances={"reputation": Balance(0, 3)})
    effects, state = step(held, _event("played"), _design())
    assert not effects.of_kind(BalanceOpened)
    assert state.balance("reputation").balance == 0


@pytest.mark.parametrize(
    ("currency", "message"),
    [
        ("{min: 5, max: 3}", "min must not exceed max"),
        ("{min: 5, spendable: true}", "a spendable currency's min must be 0 or below"),
    ],
)
def test_a_floor_that_cannot_hold_is_refused(currency: str, message: str) -> None:
    with pytest.raises((DesignError, ValueError)) as raised:
        _design(f"currencies: {{c: {currency}}}")
    assert "currencies.c" in str(raised.value)
    assert message in str(raised.value)


MOVES = st.lists(
    st.tuples(st.sampled_from(["voted", "grant", "played"]), st.integers(-300, 300)),
    max_size=30,
)


@given(floor=st.integers(1, 50), moves=MOVES)
def test_a_balance_never_goes_below_its_floor_and_its_entries_sum_to_it(
    floor: int, moves: list[tuple[str, int]]
) -> None:
    design = _design(DESIGN.replace("min: 1,", f"min: {floor},"))
    state = PlayerState("p")
    entries: list[int] = []  # what the ledger would hold for reputation
    for seq, (kind, n) in enumerate(moves, start=1):
        if kind == "grant":
            event = _event(GRANT_EVENT, seq, currency="reputation", amount=n, by="admin")
        else:
            event = _event(kind, seq, n=n)
        effects, state = step(state, event, design)
        for effect in effects.items:
            if isinstance(effect, BalanceOpened):
                entries.append(effect.balance)
            elif isinstance(effect, CurrencyAwarded) and effect.currency == "reputation":
                entries.append(effect.amount)
                assert effect.balance_after >= floor
    if moves:
        assert entries[0] == floor
        assert sum(entries) == state.balance("reputation").balance
        assert floor <= state.balance("reputation").balance <= 1000
