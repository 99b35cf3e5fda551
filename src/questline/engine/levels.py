"""Level curves: from a lifetime total to a level, and back to thresholds.

A level depends on what a player has *earned* (the lifetime total of positive
awards), not on what they hold, so spending never costs a level.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from questline.engine.design import LevelCurve
from questline.engine.effects import LevelReached
from questline.engine.expressions import (
    CompiledExpression,
    EvaluationError,
    ExpressionError,
    ExpressionType,
    Scope,
    compile_expression,
)

LEVEL_SCOPE = Scope(names={"total": ExpressionType.NUMBER})
# Far beyond any real total; bounds the search for a formula's thresholds.
_SEARCH_CEILING = 10**15
_PROBES = (0, 1, 10, 99, 100, 1_000, 10_000, 100_000, 1_000_000, 10**9, 10**12)


class LevelCurveError(ValueError):
    def __init__(self, loc: tuple[str, ...], message: str, position: int | None = None) -> None:
        self.loc = loc
        self.message = message
        self.position = position
        super().__init__(message)


@dataclass(frozen=True)
class _Total:
    value: int

    def resolve(self, path: str) -> Decimal | None:
        return Decimal(self.value) if path == "total" else None


@dataclass(frozen=True)
class LevelProgress:
    level: int
    total: int
    level_started_at: int
    next_level_at: int | None

    @property
    def remaining(self) -> int | None:
        return None if self.next_level_at is None else self.next_level_at - self.total

    @property
    def percent(self) -> float:
        if self.next_level_at is None:
            return 100.0
        span = self.next_level_at - self.level_started_at
        return round(100 * (self.total - self.level_started_at) / span, 1) if span else 100.0


@dataclass
class CompiledLevelCurve:
    max_level: int
    thresholds: tuple[int, ...] | None = None
    formula: CompiledExpression | None = None
    _threshold_cache: dict[int, int | None] = field(default_factory=dict, repr=False)
    # Thresholds of levels 1..n found so far, ascending: known[i] starts level i + 1.
    _known: list[int] = field(default_factory=list, repr=False)

    def level_for(self, total: int) -> int:
        total = max(total, 0)
        if self.thresholds is not None:
            return min(bisect.bisect_right(self.thresholds, total), self.max_level)
        # Levels found so far are remembered as thresholds, so the formula is evaluated
        # only while searching for a new level's threshold, not for every award.
        known = self._known
        if known and total < known[-1]:
            return bisect.bisect_right(known, total)
        level = self._formula_level(total)
        # Down to the next level's threshold too, so the next call for this total is a lookup.
        while len(known) <= level:
            found = self.threshold(len(known) + 1)
            if found is None:
                break
            known.append(found)
        return level

    def _formula_level(self, total: int) -> int:
        assert self.formula is not None
        value = self.formula.evaluate(_Total(total))
        if not isinstance(value, Decimal):
            raise EvaluationError(
                "the level formula must give a number", source=self.formula.source
            )
        level = int(value.to_integral_value(rounding=ROUND_FLOOR))
        return max(1, min(level, self.max_level))

    def threshold(self, level: int) -> int | None:
        """The smallest total that reaches `level`, or None if it is out of reach."""
        if level <= 1:
            return 0
        if level > self.max_level:
            return None
        if self.thresholds is not None:
            return self.thresholds[level - 1] if level <= len(self.thresholds) else None
        if level not in self._threshold_cache:
            self._threshold_cache[level] = self._search(level)
        return self._threshold_cache[level]

    def _search(self, level: int) -> int | None:
        if self._formula_level(_SEARCH_CEILING) < level:
            return None
        low, high = 0, _SEARCH_CEILING
        while low < high:
            middle = (low + high) // 2
            if self._formula_level(middle) >= level:
                high = middle
            else:
                low = middle + 1
        return low

    def progress(self, total: int) -> LevelProgress:
        level = self.level_for(total)
        started = self.threshold(level) or 0
        return LevelProgress(level, total, started, self.threshold(level + 1))


def level_reached(
    curve: CompiledLevelCurve | None, currency: str, earned_before: int, earned_after: int
) -> LevelReached | None:
    """The level a change of the lifetime total reached, if it crossed into a new one.
    Only a gain can: the total never goes down."""
    if curve is None or earned_after <= earned_before:
        return None
    before, after = curve.level_for(earned_before), curve.level_for(earned_after)
    return LevelReached(currency, after, before) if after > before else None


def compile_level_curve(curve: LevelCurve) -> CompiledLevelCurve:
    if curve.thresholds is not None:
        return CompiledLevelCurve(max_level=curve.max_level, thresholds=tuple(curve.thresholds))
    assert curve.formula is not None
    try:
        formula = compile_expression(curve.formula, LEVEL_SCOPE, ExpressionType.NUMBER)
    except ExpressionError as error:
        raise LevelCurveError(("formula",), error.message, error.position) from None
    compiled = CompiledLevelCurve(max_level=curve.max_level, formula=formula)
    # A curve must be usable for every total: probe it now, not when a player gets there.
    previous = 0
    for total in _PROBES:
        try:
            level = compiled._formula_level(total)
        except EvaluationError as error:
            raise LevelCurveError(("formula",), f"at total {total}: {error}") from None
        if level < previous:
            raise LevelCurveError(
                ("formula",), f"levels must not go down as the total grows (at total {total})"
            )
        previous = level
    return compiled
