"""Achievements: which a player has earned, how close they are to the rest, and what
unlocking one gives.

An achievement is awarded at most once per (achievement, tier, period): the period is
"all" for a once-only one, or the player's local day or ISO week for one that repeats.
Awards are never taken back here: only an explicit revoke could remove one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from questline.engine.expressions import EvaluationError
from questline.engine.mechanic_effects import AchievementProgressed, AchievementUnlocked
from questline.engine.mechanics import AchievementTier, Repeat
from questline.engine.mechanics_compiler import CompiledAchievement
from questline.engine.periods import Period
from questline.engine.reader import StateReader
from questline.engine.state import METRIC

_REPEAT_PERIOD = {Repeat.ONCE: Period.ALL, Repeat.DAY: Period.TODAY, Repeat.WEEK: Period.WEEK}


def award_period(achievement: CompiledAchievement, periods: Mapping[Period, str]) -> str:
    return periods[_REPEAT_PERIOD[achievement.spec.repeat]]


@dataclass(frozen=True)
class Measure:
    value: int
    inputs: dict[str, Any]


def measure(achievement: CompiledAchievement, reader: StateReader) -> Measure:
    """How far the player is, as a whole number to compare with each tier's target.

    Raises EvaluationError if the condition cannot be evaluated."""
    spec = achievement.spec
    if achievement.condition is not None:
        value, seen = achievement.condition.evaluate_traced(reader)
        inputs = {name: _plain(v) for name, v in seen.items()}
        if isinstance(value, bool):
            return Measure(1 if value else 0, inputs)
        assert isinstance(value, Decimal)
        return Measure(int(value.to_integral_value(rounding=ROUND_FLOOR)), inputs)
    if achievement.count_metric is not None:
        period = reader.periods[_REPEAT_PERIOD[spec.repeat]]
        count = reader.state.counter(METRIC + achievement.count_metric, period)
        return Measure(count, {f"count of {spec.count.on if spec.count else ''}": count})
    held = {name: holds(name, reader) for name in achievement.members}
    return Measure(sum(held.values()), {f"achievement.{k}": v for k, v in held.items()})


def holds(achievement_id: str, reader: StateReader) -> bool:
    """Holds any tier of it in its current period."""
    other = reader.design.achievement(achievement_id)
    if other is None:
        return False
    period = award_period(other, reader.periods)
    return any((achievement_id, tier.name, period) in reader.state.awards for tier in other.tiers)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value.normalize())
    return value


def snapshot(reader: StateReader) -> dict[str, int]:
    """Every achievement's measure (those that cannot be evaluated yet are left out)."""
    found: dict[str, int] = {}
    for achievement in reader.design.achievements:
        try:
            found[achievement.id] = measure(achievement, reader).value
        except EvaluationError:
            continue
    return found


def unlock(reader: StateReader, before: Mapping[str, int] | None = None) -> list[Any]:
    """The achievements the player now qualifies for and does not hold yet, and (given
    the measures before the event) how the locked ones moved. Achievements made of
    other achievements are re-checked until nothing more unlocks."""
    found: list[Any] = []
    design, state = reader.design, reader.state
    changed = True
    while changed:
        changed = False
        for achievement in design.achievements:
            period = award_period(achievement, reader.periods)
            open_tiers = [
                t for t in achievement.tiers if (achievement.id, t.name, period) not in state.awards
            ]
            if not open_tiers:
                continue
            try:
                measured = measure(achievement, reader)
            except EvaluationError:
                continue
            for tier in open_tiers:
                if measured.value < tier.target:
                    continue
                effect = _unlocked(achievement, tier, period, measured)
                state.awards.add((achievement.id, tier.name, period))
                found.append(effect)
                changed = True
    if before is not None:
        found.extend(_progressed(reader, before, {(e.achievement, e.tier) for e in found}))
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


def _progressed(
    reader: StateReader, before: Mapping[str, int], unlocked: set[tuple[str, str | None]]
) -> list[AchievementProgressed]:
    found: list[AchievementProgressed] = []
    after = snapshot(reader)
    for achievement in reader.design.achievements:
        if achievement.spec.secret:
            continue  # progress would give the secret away
        old, new = before.get(achievement.id), after.get(achievement.id)
        if old is None or new is None or old == new:
            continue
        period = award_period(achievement, reader.periods)
        for tier in achievement.tiers:
            key = (achievement.id, tier.name, period)
            if key in reader.state.awards or (achievement.id, tier.name or None) in unlocked:
                continue
            found.append(
                AchievementProgressed(achievement.id, tier.name or None, old, new, tier.target)
            )
            break  # the next tier to reach is the one that moved
    return found


@dataclass(frozen=True)
class TierProgress:
    tier: str | None
    target: int
    unlocked: bool
    current: int
    percent: float


def progress(achievement: CompiledAchievement, reader: StateReader) -> list[TierProgress]:
    """Each tier: held (in its current period) or how far along, as the player sees it."""
    period = award_period(achievement, reader.periods)
    try:
        value = measure(achievement, reader).value
    except EvaluationError:
        value = 0
    found = []
    for tier in achievement.tiers:
        held = (achievement.id, tier.name, period) in reader.state.awards
        current = tier.target if held else min(max(value, 0), tier.target)
        percent = round(100 * current / tier.target, 1)
        found.append(TierProgress(tier.name or None, tier.target, held, current, percent))
    return found
