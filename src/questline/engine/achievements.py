"""Achievements: which a player has earned, how close they are to the rest, and what
unlocking one gives.

An achievement is awarded at most once per (achievement, tier, period): the period is
"all" for a once-only one, or the player's local day or ISO week for one that repeats.
Awards are never taken back here: only an explicit revoke could remove one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from questline.engine.expressions import EvaluationError, plain_value
from questline.engine.mechanics import AchievementTier, Repeat
from questline.engine.mechanics_compiler import CompiledAchievement
from questline.engine.mechanics_effects import AchievementProgressed, AchievementUnlocked
from questline.engine.periods import Period
from questline.engine.state import METRIC
from questline.engine.view import StateView

_REPEAT_PERIOD = {Repeat.ONCE: Period.ALL, Repeat.DAY: Period.TODAY, Repeat.WEEK: Period.WEEK}


def award_period(achievement: CompiledAchievement, periods: Mapping[Period, str]) -> str:
    return periods[_REPEAT_PERIOD[achievement.spec.repeat]]


class Measure(NamedTuple):
    # A tuple, not a frozen dataclass: measured several times per event, its
    # construction showed in the engine's profile.
    value: int
    inputs: dict[str, Any]


def measure(achievement: CompiledAchievement, view: StateView, *, traced: bool = True) -> Measure:
    """How far the player is, as a whole number to compare with each tier's target;
    with `traced`, also every input read (for a breakdown).

    Raises EvaluationError if the condition cannot be evaluated."""
    spec = achievement.spec
    if achievement.condition is not None:
        if traced:
            value, seen = achievement.condition.evaluate_traced(view)
            inputs = {name: plain_value(v) for name, v in seen.items()}
        else:
            value, inputs = achievement.condition.evaluate(view), {}
        if isinstance(value, bool):
            return Measure(1 if value else 0, inputs)
        assert isinstance(value, Decimal)
        return Measure(math.floor(value), inputs)  # exact: Decimal's floor, as an int
    if achievement.count_metric is not None:
        period = view.periods[_REPEAT_PERIOD[spec.repeat]]
        count = view.state.counter(METRIC + achievement.count_metric, period)
        return Measure(count, {f"count of {spec.count.on if spec.count else ''}": count})
    held = {name: holds(name, view) for name in achievement.members}
    return Measure(sum(held.values()), {f"achievement.{k}": v for k, v in held.items()})


def holds(achievement_id: str, view: StateView) -> bool:
    """Holds any tier of it in its current period."""
    other = view.design.achievement(achievement_id)
    if other is None:
        return False
    period = award_period(other, view.periods)
    return any((achievement_id, tier.name, period) in view.state.awards for tier in other.tiers)


def unlock(view: StateView, changed: set[str] | None = None) -> list[AchievementUnlocked]:
    """One pass over the achievements the player may now qualify for and lacks.

    With `changed` (input roots an event moved), an achievement awarded once is checked
    only if one of its inputs is among them; one that repeats is always checked, since a
    new day or week makes it available again. Without it (a backfill), all are."""
    found: list[AchievementUnlocked] = []
    state = view.state
    for achievement in view.design.achievements:
        if (
            changed is not None
            and achievement.spec.repeat is Repeat.ONCE
            and achievement.inputs.isdisjoint(changed)
        ):
            continue
        period = award_period(achievement, view.periods)
        open_tiers = [
            t for t in achievement.tiers if (achievement.id, t.name, period) not in state.awards
        ]
        if not open_tiers:
            continue
        try:
            measured = measure(achievement, view, traced=False)
            if measured.value >= open_tiers[0].target:
                measured = measure(achievement, view)  # again, for the breakdown
        except EvaluationError:
            continue
        for tier in open_tiers:
            if measured.value >= tier.target:
                state.awards.add((achievement.id, tier.name, period))
                found.append(_unlocked(achievement, tier, period, measured))
    return found


def _unlocked(
    achievement: CompiledAchievement, tier: AchievementTier, period: str, measured: Measure
) -> AchievementUnlocked:
    spec = achievement.spec
    condition = (
        spec.when
        or spec.progress
        or (
            f"count of {spec.count.on}" + (f" where {spec.count.where}" if spec.count.where else "")
            if spec.count
            else None
        )
        or _members_text(achievement)
    )
    breakdown = {
        "achievement": spec.id,
        "tier": tier.name or None,
        "condition": condition,
        "inputs": measured.inputs,
        "value": measured.value,
        "target": tier.target,
        "period": period,
    }
    return AchievementUnlocked(
        achievement=spec.id,
        tier=tier.name or None,
        period=period,
        value=measured.value,
        target=tier.target,
        rewards=tier.rewards.model_dump(exclude_defaults=True),
        breakdown=breakdown,
    )


def _members_text(achievement: CompiledAchievement) -> str:
    names = ", ".join(achievement.members)
    if achievement.spec.all_of is not None:
        return f"all of {names}"
    if achievement.spec.any_of is not None:
        return f"any of {names}"
    return f"{achievement.needed} of {names}"


def progressed(
    before: StateView, after: StateView, changed: set[str]
) -> list[AchievementProgressed]:
    """Locked achievements whose measure the event moved (never a secret one: its
    progress would give it away), each for the next tier to reach."""
    found: list[AchievementProgressed] = []
    for achievement in after.design.achievements:
        if achievement.spec.secret or achievement.inputs.isdisjoint(changed):
            continue
        period = award_period(achievement, after.periods)
        tier = _next_open_tier(achievement, period, after.state.awards)
        if tier is None:
            continue
        try:
            old = measure(achievement, before, traced=False).value
            new = measure(achievement, after, traced=False).value
        except EvaluationError:
            continue
        if old != new:
            found.append(
                AchievementProgressed(achievement.id, tier.name or None, old, new, tier.target)
            )
    return found


def _next_open_tier(
    achievement: CompiledAchievement, period: str, awards: set[tuple[str, str, str]]
) -> AchievementTier | None:
    for tier in achievement.tiers:
        if (achievement.id, tier.name, period) not in awards:
            return tier
    return None


@dataclass(frozen=True)
class TierProgress:
    tier: str | None
    target: int
    unlocked: bool
    current: int
    percent: float


def progress(achievement: CompiledAchievement, view: StateView) -> list[TierProgress]:
    """Each tier: held (in its current period) or how far along, as the player sees it."""
    period = award_period(achievement, view.periods)
    try:
        value = measure(achievement, view, traced=False).value
    except EvaluationError:
        value = 0
    found = []
    for tier in achievement.tiers:
        held = (achievement.id, tier.name, period) in view.state.awards
        current = tier.target if held else min(max(value, 0), tier.target)
        percent = round(100 * current / tier.target, 1)
        found.append(TierProgress(tier.name or None, tier.target, held, current, percent))
    return found
