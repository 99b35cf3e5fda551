"""Rewards for an unlocked achievement or a completed quest: currency grants written to
the ledger with their explanation, and streak freezes."""

from __future__ import annotations

from typing import Any

from questline.engine.awards import land
from questline.engine.effects import CurrencyAwarded, Effect
from questline.engine.mechanics import Rewards
from questline.engine.state import Balance
from questline.engine.streaks import grant_freezes
from questline.engine.view import StateView


def grant(rewards: Rewards, cause: str, cause_id: str, label: str, view: StateView) -> list[Effect]:
    """`cause_id` names the source in the ledger (e.g. "ten-passes/gold"); `label` is how
    the explanation names it (e.g. "achievement ten-passes (gold)")."""
    design, state = view.design, view.state
    found: list[Effect] = []
    for currency, amount in rewards.currencies.items():
        landed = land(design, state.balance(currency), currency, amount)
        awarded = landed.amount
        breakdown: dict[str, Any] = {
            "cause": cause,
            "source": cause_id,
            "reward": amount,
            "steps": [landed.bounds] if landed.bounds else [],
            "amount": awarded,
            "currency": currency,
            "config_version": design.version,
        }
        text = f"{label}: reward {amount} {currency}"
        if landed.bounds:
            text += f"; kept within bounds → {awarded}"
        found.append(
            CurrencyAwarded(
                rule=f"{cause}:{cause_id}",
                currency=currency,
                amount=awarded,
                balance_after=landed.balance_after,
                earned_after=landed.earned_after,
                earned_today=None,
                explanation=f"{text}: {awarded:+d} {currency}",
                breakdown=breakdown,
                cause=cause,
            )
        )
        state.balances[currency] = Balance(landed.balance_after, landed.earned_after)
        if landed.level is not None:
            found.append(landed.level)
    for key, count in rewards.streak_freezes.items():
        streak = next(s for s in design.streaks if s.key == key)
        granted = grant_freezes(streak, state.streak(key), count, f"{label} reward")
        state.streaks[key] = granted.state
        found.append(granted)
    return found
