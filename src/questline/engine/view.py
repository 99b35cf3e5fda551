"""A player's state as the design's expressions see it: names resolved against the
state, with "today" and "this week" fixed (no event needed)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from questline.engine.expressions import Value
from questline.engine.periods import ALL_TIME, Period
from questline.engine.state import METRIC, PlayerState

if TYPE_CHECKING:
    from questline.engine.compiler import CompiledDesign

_PERIODS = {period.value: period for period in Period}


@dataclass
class StateView:
    """currency.*, level.*, metric.*[.today|.week|.all] and streak.*[.longest] of one
    player, with "today" and "this week" being `periods`."""

    state: PlayerState
    periods: dict[Period, str]
    design: CompiledDesign

    def resolve(self, path: str) -> Value | None:
        namespace, rest, key, part = parse_name(path)
        if namespace == "currency":
            balance = self.state.balances.get(rest)
            # A balance not opened yet reads as where it will open (engine.process).
            return Decimal(balance.balance if balance else self.design.floors.get(rest, 0))
        if namespace == "level":
            return Decimal(self.design.levels[rest].level_for(self.state.balance(rest).earned))
        if namespace == "metric":
            period_key = self.periods[_PERIODS[part]] if part else ALL_TIME
            return Decimal(self.state.counter(METRIC + key, period_key))
        if namespace == "streak":
            held = self.state.streak(key)
            return Decimal(held.longest if part == "longest" else held.current)
        return None


@lru_cache(maxsize=4096)
def parse_name(path: str) -> tuple[str, str, str, str]:
    """`metric.tasks.week` -> ("metric", "tasks.week", "tasks", "week"): a name's
    namespace, the rest, and the rest's first part and what follows it. Expressions read
    the same few names for every event, so each is split once."""
    namespace, _, rest = path.partition(".")
    key, _, part = rest.partition(".")
    return namespace, rest, key, part
