"""Where an amount of a currency lands on a player's balance: the rule a rule's award, an
achievement's or a quest's reward and a manual grant all follow once they know the amount.

The currency's bounds cut the amount (and the cut is a step of the breakdown), what
moved up adds to what the player has earned, and earning may reach a level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from questline.engine.effects import LevelReached
from questline.engine.levels import level_reached

if TYPE_CHECKING:
    from questline.engine.compiler import CompiledDesign
    from questline.engine.state import Balance


@dataclass(slots=True)
class Landed:
    balance_after: int
    amount: int  # what moved: the amount asked for, cut by the bounds
    earned_after: int  # lifetime earned: grows by what moved up, never falls
    bounds: dict[str, Any] | None  # the breakdown's step where the bounds cut the amount
    level: LevelReached | None


def land(design: CompiledDesign, held: Balance, currency: str, amount: int) -> Landed:
    """`amount` of `currency` added to `held`, within the currency's `min` and `max`."""
    spec = design.currencies[currency]
    after = spec.clamp(held.balance, amount)
    moved = after - held.balance
    earned_after = held.earned + max(moved, 0)
    return Landed(
        balance_after=after,
        amount=moved,
        earned_after=earned_after,
        bounds=(
            None
            if moved == amount
            else {"step": "bounds", "min": spec.min, "max": spec.max, "result": moved}
        ),
        level=level_reached(design.levels.get(currency), currency, held.earned, earned_after),
    )
