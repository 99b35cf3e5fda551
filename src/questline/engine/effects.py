"""Past-tense facts the engine returns. Each is enough to explain itself.

Facts are never changed after they are made; the classes are plain slotted dataclasses
rather than frozen ones only because a frozen dataclass takes five times as long to
build, and every event builds several.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from questline.engine.mechanics_effects import (
    MECHANIC_EFFECTS,
    MechanicEffect,
    apply_mechanic_effect,
    mechanic_effect_to_dict,
)
from questline.engine.state import (
    EARNED_TODAY,
    METRIC,
    RULE,
    Balance,
    PlayerState,
    rule_earned_key,
)


@dataclass(slots=True)
class MetricIncremented:
    metric: str
    by: int
    values: dict[str, int]  # period key -> value after this event
    kind: str = field(default="metric_incremented", init=False)


@dataclass(slots=True)
class RuleFired:
    rule: str
    at: datetime | None  # kept only for rules with a cool-down
    counts: dict[str, int]  # limit period key -> times fired in it, after this event
    kind: str = field(default="rule_fired", init=False)


@dataclass(slots=True)
class RuleSkipped:
    rule: str
    reason: str
    kind: str = field(default="rule_skipped", init=False)


@dataclass(slots=True)
class CurrencyAwarded:
    rule: str
    currency: str
    amount: int
    balance_after: int
    earned_after: int
    earned_today: tuple[str, int] | None  # (day key, earned that day after), for daily caps
    explanation: str
    breakdown: dict[str, Any]
    cause: str = "rule"  # or "achievement" / "quest", for rewards
    # (limit period key, awarded by the rule in that period after), for a rule's `max`
    rule_earned: tuple[str, int] | None = None
    kind: str = field(default="currency_awarded", init=False)


@dataclass(slots=True)
class BalanceOpened:
    """A balance of a currency whose floor is above 0 began, at the floor: a player's
    first event under a design with such a floor opens it. The ledger records it as
    an entry of its own, so the ledger still sums to the balance."""

    currency: str
    balance: int
    config_version: int
    kind: str = field(default="balance_opened", init=False)

    @property
    def explanation(self) -> str:
        return f"starting balance, the floor of {self.currency}: {self.balance:+d} {self.currency}"

    @property
    def breakdown(self) -> dict[str, Any]:
        return {
            "cause": "opening",
            "min": self.balance,
            "amount": self.balance,
            "currency": self.currency,
            "config_version": self.config_version,
        }


@dataclass(slots=True)
class LevelReached:
    currency: str
    level: int
    previous_level: int
    kind: str = field(default="level_reached", init=False)


@dataclass(slots=True)
class LeagueSkipped:
    """An award no league week counted: the event is dated in a week that is over and was
    settled at its rollover, or that nobody played. Made by the league projection, not by
    the engine — whether a week is settled is the database's to say — and kept only with
    the event's stored effects: not an `Effect` of a processed batch, so notifications,
    the feed and the state never see it."""

    week: str
    currency: str
    amount: int
    reason: str
    kind: str = field(default="league_skipped", init=False)

    def to_dict(self) -> dict[str, Any]:
        """The public, JSON-ready form, as `effect_to_dict` gives the engine's effects."""
        return {
            "kind": self.kind,
            "week": self.week,
            "currency": self.currency,
            "amount": self.amount,
            "reason": self.reason,
        }


T = TypeVar("T")

Effect = (
    MetricIncremented
    | RuleFired
    | RuleSkipped
    | CurrencyAwarded
    | BalanceOpened
    | LevelReached
    | MechanicEffect
)


@dataclass(slots=True)
class Effects:
    event_seq: int
    config_version: int
    items: tuple[Effect, ...]

    def of_kind(self, kind: type[T]) -> list[T]:
        return [item for item in self.items if isinstance(item, kind)]

    def to_list(self) -> list[dict[str, Any]]:
        return [effect_to_dict(item) for item in self.items]


def effect_to_dict(effect: Effect) -> dict[str, Any]:
    """The public, JSON-ready form (stored with the event, returned by the API)."""
    # Hand-written rather than dataclasses.asdict: asdict deep-copies every breakdown,
    # and this runs for every effect of every event.
    if isinstance(effect, CurrencyAwarded):
        awarded = {
            "kind": effect.kind,
            "rule": effect.rule,
            "currency": effect.currency,
            "amount": effect.amount,
            "balance_after": effect.balance_after,
            "explanation": effect.explanation,
            "breakdown": effect.breakdown,
        }
        if effect.cause != "rule":
            awarded["cause"] = effect.cause
        return awarded
    if isinstance(effect, MetricIncremented):
        return {
            "kind": effect.kind,
            "metric": effect.metric,
            "by": effect.by,
            "values": effect.values,
        }
    if isinstance(effect, RuleFired):
        return {"kind": effect.kind, "rule": effect.rule}
    if isinstance(effect, RuleSkipped):
        return {"kind": effect.kind, "rule": effect.rule, "reason": effect.reason}
    if isinstance(effect, BalanceOpened):
        return {
            "kind": effect.kind,
            "currency": effect.currency,
            "balance": effect.balance,
            "explanation": effect.explanation,
        }
    if isinstance(effect, LevelReached):
        return {
            "kind": effect.kind,
            "currency": effect.currency,
            "level": effect.level,
            "previous_level": effect.previous_level,
        }
    return mechanic_effect_to_dict(effect)


def apply_effect(state: PlayerState, effect: Effect) -> None:
    """Fold one effect into a state in place; the worker and the engine share this."""
    if isinstance(effect, MetricIncremented):
        for period, value in effect.values.items():
            state.counters[(METRIC + effect.metric, period)] = value
    elif isinstance(effect, RuleFired):
        if effect.at is not None:
            state.rule_fired_at[effect.rule] = effect.at
        for period, value in effect.counts.items():
            state.counters[(RULE + effect.rule, period)] = value
    elif isinstance(effect, CurrencyAwarded):
        state.balances[effect.currency] = Balance(effect.balance_after, effect.earned_after)
        if effect.earned_today is not None:
            day, earned = effect.earned_today
            state.counters[(EARNED_TODAY + effect.currency, day)] = earned
        if effect.rule_earned is not None:
            period, earned = effect.rule_earned
            state.counters[(rule_earned_key(effect.rule, effect.currency), period)] = earned
    elif isinstance(effect, BalanceOpened):
        state.balances[effect.currency] = Balance(effect.balance, 0)
    elif isinstance(effect, MECHANIC_EFFECTS):
        apply_mechanic_effect(state, effect)
