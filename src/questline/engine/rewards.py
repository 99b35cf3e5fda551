"""Rewards for an unlocked achievement or a completed quest: currency grants written to
the ledger with their explanation, and streak freezes."""

from __future__ import annotations

from typing import Any

from questline.engine.effects import CurrencyAwarded, Effect
from questline.engine.levels import level_reached
from questline.engine.mechanics import Rewards
from questline.engine.streaks import grant_freezes
from questline.engine.view import StateView


def grant(rewards: Rewards, cause: str, cause_id: str, label: str, view: StateView) -> list[Effect]:
    """`cause_id` names the source in the ledger (e.g. "ten-passes/gold"); `label` is how
    the explanation names it (e.g. "achievement ten-passes (gold)")."""
    design, state = view.design, view.state
    found: list[Effect] = []
    for currency, amount in rewards.currencies.items():
        spec = design.currencies[currency]
        held = state.balance(currency)
        after = spec.clamp(held.balance, amount)
        awarded = after - held.balance
        steps: list[dict[str, Any]] = []
        if awarded != amount:
            steps.append({"step": "bounds", "min": spec.min, "max": spec.max, "result": awarded})
        earned_after = held.earned + max(awarded, 0)
        breakdown: dict[str, Any] = {
            "cause": cause,
            "source": cause_id,
            "reward": amount,
            "steps": steps,
            "amount": awarded,
            "currency": currency,
            "config_version": design.version,
        }
        text = f"{label}: reward {amount} {currency}"
        if steps:
            text += f"; kept within bounds → {awarded}"
        found.append(
            CurrencyAwarded(
                rule=f"{cause}:{cause_id}",
                currency=currency,
                amount=awarded,
                balance_after=after,
                earned_after=earned_after,
                earned_today=None,
                explanation=f"{text}: {awarded:+d} {currency}",
                breakdown=breakdown,
                cause=cause,
            )
        )
        state.balances[currency] = type(held)(after, earned_after)
        reached = level_reached(design.levels.get(currency), currency, held.earned, earned_after)
        if reached is not None:
            found.append(reached)
    for key, count in rewards.streak_freezes.items():
        streak = next(s for s in design.streaks if s.key == key)
        granted = grant_freezes(streak, state.streak(key), count, f"{label} reward")
        state.streaks[key] = granted.state
        found.append(granted)
    return found
