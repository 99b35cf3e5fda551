"""A player's state as the design's expressions see it: names resolved against the
state, with "today" and "this week" fixed (no event needed)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
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
        namespace, _, rest = path.partition(".")
        if namespace == "currency":
            balance = self.state.balances.get(rest)
            # A balance not opened yet reads as where it will open (engine.process).
            return Decimal(balance.balance if balance else self.design.floors.get(rest, 0))
        if namespace == "level":
            return Decimal(self.design.levels[rest].level_for(self.state.balance(rest).earned))
        if namespace == "metric":
            key, _, period = rest.partition(".")
            period_key = self.periods[_PERIODS[period]] if period else ALL_TIME
            return Decimal(self.state.counter(METRIC + key, period_key))
        if namespace == "streak":
            key, _, field_name = rest.partition(".")
            held = self.state.streak(key)
            return Decimal(held.longest if field_name == "longest" else held.current)
        return None
