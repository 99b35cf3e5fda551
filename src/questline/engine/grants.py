"""Manual grants: an administrator gives (or takes back) an amount of a currency. A grant
is an event of the reserved type `questline.grant`, so it takes its place in the
player's order, is applied exactly once, and a replay of the log reproduces it; what it
moves then moves achievements, quests, scores and boards like any award.

Bounds hold (the balance stays within the currency's min and max); daily caps and
rules do not apply: the grant is the administrator's decision.
"""

from __future__ import annotations

from decimal import Decimal

from questline.engine.awards import land
from questline.engine.effects import CurrencyAwarded, Effect
from questline.engine.state import Event
from questline.engine.view import StateView

GRANT_EVENT = "questline.grant"
RESERVED_PREFIX = "questline."


class GrantRejected(ValueError):
    """The grant names no currency of the design, or its amount is not a whole number."""


def manual_grant(view: StateView, event: Event) -> list[Effect]:
    design, state = view.design, view.state
    currency = event.properties.get("currency")
    amount = event.properties.get("amount")
    if not isinstance(currency, str) or currency not in design.currencies:
        raise GrantRejected(f"the game design has no currency '{currency}'")
    if not isinstance(amount, Decimal) or amount != amount.to_integral_value():
        raise GrantRejected(f"a grant's amount must be a whole number, not {amount!r}")
    by = str(event.properties.get("by", "unknown"))
    reason = str(event.properties.get("reason", ""))
    wanted = int(amount)
    landed = land(design, state.balance(currency), currency, wanted)
    moved = landed.amount
    text = f"manual grant by {by} ({reason}): {wanted:+d} {currency}"
    if landed.bounds:
        text += f"; kept within bounds → {moved:+d}"
    found: list[Effect] = [
        CurrencyAwarded(
            rule=f"manual:{by}",
            currency=currency,
            amount=moved,
            balance_after=landed.balance_after,
            earned_after=landed.earned_after,
            earned_today=None,
            explanation=text,
            breakdown={
                "cause": "manual",
                "by": by,
                "reason": reason,
                "requested": wanted,
                "steps": [landed.bounds] if landed.bounds else [],
                "amount": moved,
                "currency": currency,
                "config_version": design.version,
            },
            cause="manual",
        )
    ]
    if landed.level is not None:
        found.append(landed.level)
    return found
