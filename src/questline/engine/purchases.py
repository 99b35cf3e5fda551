"""Buying and refunding, decided on plain data: the player's state, what they hold, and
the offer. No I/O: the service loads all of it under the player's lock, asks here, and
writes the plan in the same transaction — or writes nothing if the purchase is refused.

Rules a player can rely on:
- A purchase never takes a balance below zero, and never pays for less than it gives:
  an offer whose items, streak freezes or currencies would not fit (an item's `max`, a
  streak's freeze maximum, a currency's `max`) is refused, not cut short.
- Limits per day and per week are the player's own calendar day and ISO week in their
  time zone when they buy; a refunded purchase no longer counts toward a limit, and its
  units go back into stock.
- Spending is not earning: a debit leaves the lifetime `earned` total (and so levels)
  alone, and so do currencies an offer gives and refunds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from questline.engine import boosts
from questline.engine.compiler import CompiledDesign
from questline.engine.design import Currency
from questline.engine.expressions import EvaluationError
from questline.engine.mechanics import localize, reading_locale
from questline.engine.mechanics_effects import StreakFreezesGranted
from questline.engine.periods import Period, local_date, period_keys
from questline.engine.shop_compiler import CompiledOffer
from questline.engine.state import Balance, BoostWindow, PlayerState, StreakState
from questline.engine.streaks import grant_freezes
from questline.engine.view import StateView

# Why a purchase was refused: the `code` of the problem the API answers.
NOT_AVAILABLE = "not_available"
SOLD_OUT = "sold_out"
REQUIREMENT_NOT_MET = "requirement_not_met"
LIMIT_REACHED = "limit_reached"
INSUFFICIENT_FUNDS = "insufficient_funds"


class PurchaseRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Holdings:
    """What a purchase is checked against besides the player's balances and streaks."""

    bought: Mapping[str, int]  # units of the offer bought and kept, by period key
    items: Mapping[str, int]  # units held now, by item (expired ones are not held)
    boosts: Sequence[BoostWindow]  # the player's boost windows that have not ended
    sold: int  # units of the offer sold to everyone, refunds given back


@dataclass(frozen=True)
class BalanceChange:
    currency: str
    amount: int
    balance_after: int
    explanation: str
    breakdown: dict[str, Any]


@dataclass(frozen=True)
class ItemGrant:
    item: str
    quantity: int
    expires_at: datetime | None


@dataclass(frozen=True)
class PurchasePlan:
    offer: str
    quantity: int
    price: dict[str, int]  # what was paid in all, by currency
    debits: tuple[BalanceChange, ...]
    credits: tuple[BalanceChange, ...]  # currencies the offer gives
    items: tuple[ItemGrant, ...]
    freezes: tuple[StreakFreezesGranted, ...]
    boost: BoostWindow | None
    day: str  # the local day and ISO week (period keys) the purchase counts in
    week: str


def offer_name(design: CompiledDesign, offer: CompiledOffer, player_locale: str | None) -> str:
    """The offer's name as its ledger entries and refusals give it: in the player's
    locale, else the design's default (the one rule, `reading_locale`)."""
    default = design.design.default_locale
    return localize(offer.spec.name, reading_locale(None, player_locale, default), default) or (
        offer.id
    )


def limit_periods(now: datetime, time_zone: str) -> dict[Period, str]:
    return period_keys(local_date(now, time_zone))


def plan_purchase(
    design: CompiledDesign,
    offer: CompiledOffer,
    quantity: int,
    state: PlayerState,
    holdings: Holdings,
    now: datetime,
    time_zone: str,
    *,
    player_locale: str | None,
) -> PurchasePlan:
    """What buying `quantity` units of `offer` at `now` does; raises PurchaseRefused.
    Names in its explanations and refusals are read in `player_locale` (see offer_name)."""
    spec = offer.spec
    name = offer_name(design, offer, player_locale)
    if spec.starts is not None and now < spec.starts:
        raise PurchaseRefused(NOT_AVAILABLE, f"'{name}' is on sale from {spec.starts.isoformat()}")
    if spec.ends is not None and now >= spec.ends:
        raise PurchaseRefused(NOT_AVAILABLE, f"'{name}' was on sale until {spec.ends.isoformat()}")
    if spec.stock is not None and holdings.sold + quantity > spec.stock:
        left = max(spec.stock - holdings.sold, 0)
        raise PurchaseRefused(
            SOLD_OUT, f"'{name}' is sold out" if left == 0 else f"only {left} of '{name}' left"
        )
    periods = limit_periods(now, time_zone)
    view = StateView(state, periods, design)
    if offer.requires is not None:
        try:
            met = offer.requires.evaluate(view) is True
        except EvaluationError:
            met = False
        if not met:
            raise PurchaseRefused(REQUIREMENT_NOT_MET, f"'{name}' requires {offer.requires.source}")
    _check_limits(offer, name, quantity, holdings, periods)

    working = state.copy()
    items = _item_grants(design, offer, quantity, holdings, now, player_locale)
    freezes = _freeze_grants(design, offer, quantity, working, name)
    credits = _currency_grants(design, offer, quantity, working, name)
    debits, price = _debits(design, offer, quantity, working, name)
    boost = None
    if spec.gives.boost is not None:
        boost = boosts.activate(
            spec.gives.boost, design.boosts[spec.gives.boost], holdings.boosts, now, quantity
        )
    return PurchasePlan(
        offer.id,
        quantity,
        price,
        debits,
        credits,
        items,
        freezes,
        boost,
        periods[Period.TODAY],
        periods[Period.WEEK],
    )


def _check_limits(
    offer: CompiledOffer,
    name: str,
    quantity: int,
    holdings: Holdings,
    periods: Mapping[Period, str],
) -> None:
    limit = offer.spec.limit
    if limit is None:
        return
    for most, period, words in (
        (limit.total, Period.ALL, "in all"),
        (limit.per_day, Period.TODAY, "a day"),
        (limit.per_week, Period.WEEK, "a week"),
    ):
        if most is None:
            continue
        bought = holdings.bought.get(periods[period], 0)
        if bought + quantity > most:
            raise PurchaseRefused(
                LIMIT_REACHED,
                f"at most {most} of '{name}' can be bought {words}; {bought} bought already",
            )


def _item_grants(
    design: CompiledDesign,
    offer: CompiledOffer,
    quantity: int,
    holdings: Holdings,
    now: datetime,
    player_locale: str | None,
) -> tuple[ItemGrant, ...]:
    default = design.design.default_locale
    words = reading_locale(None, player_locale, default)
    found = []
    for key, count in offer.spec.gives.items.items():
        item = design.shop.items[key]
        units = count * quantity
        held = holdings.items.get(key, 0)
        if item.max is not None and held + units > item.max:
            label = localize(item.name, words, default) or key
            raise PurchaseRefused(
                LIMIT_REACHED, f"holds {held} of '{label}'; at most {item.max} can be held"
            )
        seconds = item.expires_after_seconds
        expires_at = None if seconds is None else now + timedelta(seconds=seconds)
        found.append(ItemGrant(key, units, expires_at))
    return tuple(found)


def _freeze_grants(
    design: CompiledDesign, offer: CompiledOffer, quantity: int, working: PlayerState, name: str
) -> tuple[StreakFreezesGranted, ...]:
    found = []
    for key, count in offer.spec.gives.streak_freezes.items():
        streak = next(s for s in design.streaks if s.key == key)
        held = working.streak(key)
        granted = grant_freezes(streak, held, count * quantity, f"purchase of {name}")
        if granted.count < count * quantity:
            most = streak.spec.freezes.max if streak.spec.freezes else 0
            raise PurchaseRefused(
                LIMIT_REACHED,
                f"holds {held.freezes} freeze(s) of streak '{key}'; at most {most} can be held",
            )
        working.streaks[key] = granted.state
        found.append(granted)
    return tuple(found)


def _currency_grants(
    design: CompiledDesign, offer: CompiledOffer, quantity: int, working: PlayerState, name: str
) -> tuple[BalanceChange, ...]:
    found = []
    for currency, count in offer.spec.gives.currencies.items():
        amount = count * quantity
        held = working.balance(currency)
        after = design.currencies[currency].clamp(held.balance, amount)
        if after != held.balance + amount:
            raise PurchaseRefused(
                LIMIT_REACHED,
                f"{amount} {currency} would take the balance ({held.balance}) above its maximum",
            )
        working.balances[currency] = Balance(after, held.earned)
        found.append(
            _change(
                currency,
                amount,
                after,
                f"purchase of {name} ×{quantity}: {amount:+d} {currency}",
                {"cause": "purchase", "offer": offer.id, "quantity": quantity, "given": count},
                design.version,
            )
        )
    return tuple(found)


def _debits(
    design: CompiledDesign, offer: CompiledOffer, quantity: int, working: PlayerState, name: str
) -> tuple[tuple[BalanceChange, ...], dict[str, int]]:
    found = []
    price: dict[str, int] = {}
    for currency, unit in offer.spec.price.items():
        cost = unit * quantity
        held = working.balance(currency)
        if held.balance < cost:
            raise PurchaseRefused(
                INSUFFICIENT_FUNDS,
                f"'{name}' ×{quantity} costs {cost} {currency}; the balance is {held.balance}",
            )
        price[currency] = cost
        working.balances[currency] = Balance(held.balance - cost, held.earned)
        found.append(
            _change(
                currency,
                -cost,
                held.balance - cost,
                f"purchase of {name} ×{quantity} at {unit} {currency} each: {-cost:+d} {currency}",
                {"cause": "purchase", "offer": offer.id, "quantity": quantity, "unit_price": unit},
                design.version,
            )
        )
    return tuple(found), price


def _change(
    currency: str,
    amount: int,
    after: int,
    explanation: str,
    breakdown: dict[str, Any],
    version: int,
) -> BalanceChange:
    return BalanceChange(
        currency,
        amount,
        after,
        explanation,
        {**breakdown, "amount": amount, "currency": currency, "config_version": version},
    )


@dataclass(frozen=True)
class Bought:
    """A purchase as recorded: what it took and what it gave."""

    offer: str
    offer_name: str
    quantity: int
    price: Mapping[str, int]
    currencies: Mapping[str, int]  # currencies it gave
    freezes: Mapping[str, int]  # streak freezes it added, by streak
    boost: BoostWindow | None


@dataclass(frozen=True)
class RefundPlan:
    credits: tuple[BalanceChange, ...]  # the price back
    takebacks: tuple[BalanceChange, ...]  # currencies the purchase gave, taken back
    freezes: dict[str, StreakState]  # streaks whose freezes were taken back, after
    freezes_taken: dict[str, int]
    boost: BoostWindow | None  # the boost's window cut short at `now` (None: untouched)
    kept: dict[str, Any]  # what could not be taken back (used, spent, or beyond a bound)


def plan_refund(
    design: CompiledDesign, bought: Bought, state: PlayerState, now: datetime
) -> RefundPlan:
    """What refunding `bought` at `now` does: the price comes back (within the currency's
    bounds), and what the purchase gave is taken back as far as it is unused — freezes
    still held, currencies still in the balance (within bounds), a boost's time not yet
    run. Items are the caller's: it takes back the purchase's units still held."""
    working = state.copy()
    kept: dict[str, Any] = {}
    label = f"{bought.offer_name} ×{bought.quantity}"
    base = {"cause": "refund", "offer": bought.offer, "quantity": bought.quantity}

    takebacks = []
    for currency, given in bought.currencies.items():
        held = working.balance(currency)
        after = _currency(design, currency).clamp(held.balance, -given)
        if after != held.balance:
            working.balances[currency] = Balance(after, held.earned)
            takebacks.append(
                _change(
                    currency,
                    after - held.balance,
                    after,
                    f"refund of {label}: given back {after - held.balance:+d} {currency}",
                    base,
                    design.version,
                )
            )
        if held.balance - after < given:
            kept.setdefault("currencies", {})[currency] = given - (held.balance - after)

    credits = []
    for currency, paid in bought.price.items():
        held = working.balance(currency)
        after = _currency(design, currency).clamp(held.balance, paid)
        if after != held.balance:
            working.balances[currency] = Balance(after, held.earned)
            credits.append(
                _change(
                    currency,
                    after - held.balance,
                    after,
                    f"refund of {label}: {after - held.balance:+d} {currency}",
                    base,
                    design.version,
                )
            )
        if after - held.balance < paid:
            kept.setdefault("price_not_returned", {})[currency] = paid - (after - held.balance)

    freezes: dict[str, StreakState] = {}
    taken: dict[str, int] = {}
    for key, given in bought.freezes.items():
        held_streak = working.streak(key)
        back = min(given, held_streak.freezes)
        if back:
            freezes[key] = replace(held_streak, freezes=held_streak.freezes - back)
            taken[key] = back
        if back < given:
            kept.setdefault("streak_freezes", {})[key] = given - back

    boost = None
    window = bought.boost
    if window is not None and window.ends_at > now:
        end = max(window.starts_at, now)
        boost = replace(window, ends_at=end)
        if end > window.starts_at:
            kept["boost_used_until"] = end.isoformat()
    elif window is not None:
        kept["boost_used_until"] = window.ends_at.isoformat()
    return RefundPlan(tuple(credits), tuple(takebacks), freezes, taken, boost, kept)


def _currency(design: CompiledDesign, key: str) -> Currency:
    # A currency the design no longer declares keeps the defaults: never below zero.
    return design.currencies.get(key) or Currency()
