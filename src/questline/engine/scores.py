"""Scores: a named, bounded formula over a player's state, with named tiers
(reputation = completed − no-shows, within [−5, 20]: gold ≥ 10, green ≥ 0, red below)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from questline.engine.expressions import EvaluationError, plain_value
from questline.engine.mechanics_compiler import CompiledScore
from questline.engine.mechanics_effects import ScoreChanged, ScoreTierChanged
from questline.engine.view import StateView


@dataclass(frozen=True)
class ScoreValue:
    key: str
    value: Decimal
    tier: str | None
    components: dict[str, Any]  # each input the formula read, and the raw result
    clamped: bool

    @property
    def plain(self) -> int | str:
        return plain_value(self.value)


def compute(score: CompiledScore, view: StateView) -> ScoreValue:
    """Raises EvaluationError if the formula cannot be evaluated."""
    spec = score.spec
    raw, seen = score.formula.evaluate_traced(view)
    assert isinstance(raw, Decimal)
    value = raw
    if spec.min is not None:
        value = max(value, Decimal(spec.min))
    if spec.max is not None:
        value = min(value, Decimal(spec.max))
    components: dict[str, Any] = {name: plain_value(v) for name, v in seen.items()}
    components["formula"] = plain_value(raw)
    return ScoreValue(score.key, value, tier_of(score, value), components, value != raw)


def value_of(score: CompiledScore, view: StateView) -> Decimal:
    """The value alone, within bounds (no components): cheap enough for every event."""
    value = score.formula.evaluate(view)
    assert isinstance(value, Decimal)
    if score.spec.min is not None:
        value = max(value, Decimal(score.spec.min))
    if score.spec.max is not None:
        value = min(value, Decimal(score.spec.max))
    return value


def tier_of(score: CompiledScore, value: Decimal) -> str | None:
    for tier in score.spec.tiers:
        if tier.min is None or value >= Decimal(repr(tier.min)):
            return tier.name
    return None


def tier_changes(before: StateView, after: StateView, changed: set[str]) -> list[ScoreTierChanged]:
    """Scores an event moved into another tier (only those whose inputs it changed)."""
    found = []
    for key, score in after.design.scores.items():
        if score.inputs.isdisjoint(changed):
            continue
        try:
            then_value, now_value = value_of(score, before), value_of(score, after)
            if tier_of(score, then_value) == tier_of(score, now_value):
                continue
            then, now = compute(score, before), compute(score, after)
        except EvaluationError:
            continue
        if then.tier != now.tier:
            found.append(
                ScoreTierChanged(key, now.tier, then.tier, now.plain, then.plain, now.components)
            )
    return found


def ranked_changes(
    before: StateView, after: StateView, changed: set[str], ranked: set[str]
) -> list[ScoreChanged]:
    """New values of the scores a leaderboard ranks by, among those the event moved."""
    found = []
    for key in sorted(ranked):
        score = after.design.scores.get(key)
        if score is None or score.inputs.isdisjoint(changed):
            continue
        try:
            then = _whole(value_of(score, before))
            now = _whole(value_of(score, after))
        except EvaluationError:
            continue
        if then != now:
            found.append(ScoreChanged(key, now, then))
    return found


def _whole(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_EVEN))
