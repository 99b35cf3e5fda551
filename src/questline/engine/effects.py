"""Past-tense facts the engine returns. Each is enough to explain itself."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from questline.engine.state import EARNED_TODAY, METRIC, RULE, Balance, PlayerState


@dataclass(frozen=True)
class MetricIncremented:
    metric: str
    by: int
    values: dict[str, int]  # period key -> value after this event
    kind: str = field(default="metric_incremented", init=False)


@dataclass(frozen=True)
class RuleFired:
    rule: str
    at: datetime
    counts: dict[str, int]  # period key -> times fired in that period, after this event
    kind: str = field(default="rule_fired", init=False)


@dataclass(frozen=True)
class RuleSkipped:
    rule: str
    reason: str
    kind: str = field(default="rule_skipped", init=False)


@dataclass(frozen=True)
class CurrencyAwarded:
    rule: str
    currency: str
    amount: int
    balance_after: int
    earned_after: int
    earned_today: tuple[str, int]  # (day key, earned that day after this award), for caps
    explanation: str
    breakdown: dict[str, Any]
    kind: str = field(default="currency_awarded", init=False)


@dataclass(frozen=True)
class LevelReached:
    currency: str
    level: int
    previous_level: int
    kind: str = field(default="level_reached", init=False)


T = TypeVar("T")

Effect = MetricIncremented | RuleFired | RuleSkipped | CurrencyAwarded | LevelReached


@dataclass(frozen=True)
class Effects:
    event_seq: int
    config_version: int
    items: tuple[Effect, ...]

    def of_kind(self, kind: type[T]) -> list[T]:
        return [item for item in self.items if isinstance(item, kind)]

    def to_list(self) -> list[dict[str, Any]]:
        return [effect_to_dict(item) for item in self.items]


def effect_to_dict(effect: Effect) -> dict[str, Any]:
    found = asdict(effect)
    if isinstance(effect, RuleFired):
        found["at"] = effect.at.isoformat()
    if isinstance(effect, CurrencyAwarded):
        found.pop("earned_today")
        found.pop("earned_after")
    return {"kind": found.pop("kind"), **found}


def apply_effect(state: PlayerState, effect: Effect) -> None:
    """Fold one effect into a state in place; the worker and the engine share this."""
    if isinstance(effect, MetricIncremented):
        for period, value in effect.values.items():
            state.counters[(METRIC + effect.metric, period)] = value
    elif isinstance(effect, RuleFired):
        state.rule_fired_at[effect.rule] = effect.at
        for period, value in effect.counts.items():
            state.counters[(RULE + effect.rule, period)] = value
    elif isinstance(effect, CurrencyAwarded):
        state.balances[effect.currency] = Balance(effect.balance_after, effect.earned_after)
        day, earned = effect.earned_today
        state.counters[(EARNED_TODAY + effect.currency, day)] = earned
