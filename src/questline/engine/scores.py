"""Scores: a named, bounded formula over a player's state, with named tiers
(reputation = completed − no-shows, within [−5, 20]: gold ≥ 10, green ≥ 0, red below)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from questline.engine.expressions import EvaluationError
from questline.engine.mechanic_effects import ScoreTierChanged
from questline.engine.mechanics_compiler import CompiledScore
from questline.engine.reader import StateReader


@dataclass(frozen=True)
class ScoreValue:
    key: str
    value: Decimal
    tier: str | None
    components: dict[str, Any]  # each input the formula read, and the raw result
    clamped: bool

    @property
    def plain(self) -> int | str:
        return _plain(self.value)


def _plain(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value.normalize())


def compute(score: CompiledScore, reader: StateReader) -> ScoreValue:
    """Raises EvaluationError if the formula cannot be evaluated."""
    spec = score.spec
    raw, seen = score.formula.evaluate_traced(reader)
    assert isinstance(raw, Decimal)
    value = raw
    if spec.min is not None:
        value = max(value, Decimal(spec.min))
    if spec.max is not None:
        value = min(value, Decimal(spec.max))
    components: dict[str, Any] = {
        name: _plain(v) if isinstance(v, Decimal) else v for name, v in seen.items()
    }
    components["formula"] = _plain(raw)
    return ScoreValue(score.key, value, tier_of(score, value), components, value != raw)


def tier_of(score: CompiledScore, value: Decimal) -> str | None:
    for tier in score.spec.tiers:
        if tier.min is None or value >= Decimal(repr(tier.min)):
            return tier.name
    return None


def snapshot(reader: StateReader) -> dict[str, ScoreValue]:
    found = {}
    for key, score in reader.design.scores.items():
        try:
            found[key] = compute(score, reader)
        except EvaluationError:
            continue
    return found


def tier_changes(
    before: dict[str, ScoreValue], after: dict[str, ScoreValue]
) -> list[ScoreTierChanged]:
    found = []
    for key, now in after.items():
        then = before.get(key)
        if then is not None and then.tier != now.tier:
            found.append(
                ScoreTierChanged(key, now.tier, then.tier, now.plain, then.plain, now.components)
            )
    return found
