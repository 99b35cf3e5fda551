"""Compiling achievements, streaks, quests and scores: every expression checked against the
names a player's state offers, every reference to another element resolved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from questline.engine.expressions import CompiledExpression, ExpressionType, Scope
from questline.engine.mechanics import (
    Achievement,
    AchievementTier,
    Quest,
    Rewards,
    Score,
    Streak,
)
from questline.engine.periods import Period

if TYPE_CHECKING:
    from questline.engine.design import GameDesign

Location = tuple[str | int, ...]


class Collector(Protocol):
    def expression(
        self, source: str, scope: Scope, expect: ExpressionType, loc: Location
    ) -> CompiledExpression | None: ...

    def issue(self, loc: Location, message: str) -> None: ...


@dataclass(frozen=True)
class CompiledAchievement:
    spec: Achievement
    condition: CompiledExpression | None  # `when` (true/false) or `progress` (a number)
    count_metric: str | None  # the hidden metric counting `count` events
    members: tuple[str, ...]  # all_of / any_of / n_of
    needed: int  # how many members must be held
    # What its measure depends on, as roots (`metric.tasks`, `currency.xp`,
    # `streak.daily`, `achievement.ten-passes`): it is re-checked only when one changes.
    inputs: frozenset[str] = frozenset()

    @property
    def id(self) -> str:
        return self.spec.id

    @cached_property
    def tiers(self) -> tuple[AchievementTier, ...]:
        """Every tier; an untiered achievement is one tier named "" with its target."""
        spec = self.spec
        if spec.tiers is not None:
            return tuple(spec.tiers)
        target = spec.target if spec.target is not None else self.needed
        # Built without validation: "" is not a name a designer may write.
        return (AchievementTier.model_construct(name="", target=target, rewards=spec.rewards),)


@dataclass(frozen=True)
class CompiledStreak:
    key: str
    spec: Streak
    when: CompiledExpression

    def counts(self, event_type: str) -> bool:
        return "*" in self.spec.on or event_type in self.spec.on


@dataclass(frozen=True)
class CompiledScore:
    key: str
    spec: Score
    formula: CompiledExpression

    @cached_property
    def inputs(self) -> frozenset[str]:
        return input_roots(self.formula)


def input_roots(expression: CompiledExpression) -> frozenset[str]:
    """`metric.tasks.week` -> `metric.tasks`; `level.xp` -> `currency.xp` (a level
    follows its currency); `streak.daily.longest` -> `streak.daily`."""
    found = set()
    for name in expression.references:
        namespace, _, rest = name.partition(".")
        key = rest.partition(".")[0]
        found.add(f"currency.{key}" if namespace == "level" else f"{namespace}.{key}")
    return frozenset(found)


@dataclass(frozen=True)
class CompiledQuest:
    spec: Quest

    @property
    def id(self) -> str:
        return self.spec.id

    @cached_property
    def metrics(self) -> frozenset[str]:
        """The metrics its objectives count."""
        return frozenset(objective.metric for objective in self.spec.objectives)


def balance_and_metric_names(design: GameDesign) -> dict[str, ExpressionType]:
    """`currency.<key>`, `level.<key>` (for a currency with levels) and `metric.<key>`
    in each period: what every expression about a player may read."""
    names: dict[str, ExpressionType] = {}
    for key in design.currencies:
        names[f"currency.{key}"] = ExpressionType.NUMBER
        if design.currencies[key].levels is not None:
            names[f"level.{key}"] = ExpressionType.NUMBER
    for key in design.metrics:
        names[f"metric.{key}"] = ExpressionType.NUMBER
        for period in Period:
            names[f"metric.{key}.{period.value}"] = ExpressionType.NUMBER
    return names


def state_scope(design: GameDesign) -> Scope:
    """Names that describe a player's state, with no event: achievement conditions,
    streak conditions and score formulas read these (so they can be evaluated at any
    time, not only while an event is processed)."""
    names = balance_and_metric_names(design)
    for key in design.streaks:
        names[f"streak.{key}"] = ExpressionType.NUMBER
        names[f"streak.{key}.longest"] = ExpressionType.NUMBER
    return Scope(names=names)


ACHIEVEMENT_METRIC = "achievement:"


def compile_achievements(
    design: GameDesign, found: Collector
) -> tuple[tuple[CompiledAchievement, ...], dict[str, tuple[int, str, str | None]]]:
    """The compiled achievements, and the hidden metrics their `count` conditions need
    (metric key -> (index, event type, filter))."""
    scope = state_scope(design)
    ids = [achievement.id for achievement in design.achievements]
    compiled: list[CompiledAchievement] = []
    hidden: dict[str, tuple[int, str, str | None]] = {}
    for index, spec in enumerate(design.achievements):
        loc: Location = ("achievements", index)
        _check_rewards(spec.rewards, (*loc, "rewards"), design, found)
        for position, tier in enumerate(spec.tiers or []):
            _check_rewards(tier.rewards, (*loc, "tiers", position, "rewards"), design, found)
        condition = None
        count_metric = None
        members: tuple[str, ...] = ()
        needed = 1
        if spec.when is not None:
            condition = found.expression(spec.when, scope, ExpressionType.BOOL, (*loc, "when"))
        elif spec.progress is not None:
            condition = found.expression(
                spec.progress, scope, ExpressionType.NUMBER, (*loc, "progress")
            )
        elif spec.count is not None:
            count_metric = ACHIEVEMENT_METRIC + spec.id
            hidden[count_metric] = (index, spec.count.on, spec.count.where)
        else:
            field_name, members, needed = _members(spec)
            for position, member in enumerate(members):
                at: Location = (*loc, field_name, position)
                if field_name == "n_of":
                    at = (*loc, "n_of", "of", position)
                if member not in ids:
                    found.issue(at, f"unknown achievement '{member}'")
                elif member == spec.id:
                    found.issue(at, "an achievement cannot require itself")
        inputs = (
            input_roots(condition)
            if condition is not None
            else frozenset({f"metric.{count_metric}"})
            if count_metric is not None
            else frozenset(f"achievement.{member}" for member in members)
        )
        compiled.append(CompiledAchievement(spec, condition, count_metric, members, needed, inputs))
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        found.issue(("achievements",), f"achievement id '{twice[0]}' is used twice")
    _check_cycles(compiled, found)
    return tuple(compiled), hidden


def _members(spec: Achievement) -> tuple[str, tuple[str, ...], int]:
    if spec.all_of is not None:
        return "all_of", tuple(spec.all_of), len(spec.all_of)
    if spec.any_of is not None:
        return "any_of", tuple(spec.any_of), 1
    assert spec.n_of is not None
    return "n_of", tuple(spec.n_of.of), spec.n_of.n


def _check_cycles(achievements: list[CompiledAchievement], found: Collector) -> None:
    members = {a.id: a.members for a in achievements}
    for index, achievement in enumerate(achievements):
        seen: set[str] = set()
        stack = list(achievement.members)
        while stack:
            current = stack.pop()
            if current == achievement.id:
                found.issue(("achievements", index), "achievements require each other in a loop")
                break
            if current not in seen:
                seen.add(current)
                stack.extend(members.get(current, ()))


def _check_rewards(rewards: Rewards, loc: Location, design: GameDesign, found: Collector) -> None:
    for currency in rewards.currencies:
        if currency not in design.currencies:
            found.issue((*loc, "currencies", currency), f"unknown currency '{currency}'")
    for streak in rewards.streak_freezes:
        spec = design.streaks.get(streak)
        if spec is None:
            found.issue((*loc, "streak_freezes", streak), f"unknown streak '{streak}'")
        elif spec.freezes is None:
            found.issue((*loc, "streak_freezes", streak), f"streak '{streak}' has no freezes")


def compile_streaks(design: GameDesign, found: Collector) -> tuple[CompiledStreak, ...]:
    scope = state_scope(design)
    compiled: list[CompiledStreak] = []
    for key, spec in design.streaks.items():
        when = found.expression(spec.when, scope, ExpressionType.BOOL, ("streaks", key, "when"))
        if when is not None:
            compiled.append(CompiledStreak(key, spec, when))
    return tuple(compiled)


def compile_scores(design: GameDesign, found: Collector) -> Mapping[str, CompiledScore]:
    scope = state_scope(design)
    compiled: dict[str, CompiledScore] = {}
    for key, spec in design.scores.items():
        formula = found.expression(
            spec.formula, scope, ExpressionType.NUMBER, ("scores", key, "formula")
        )
        if formula is not None:
            compiled[key] = CompiledScore(key, spec, formula)
    return compiled


# Progress is stored under the counter key "quest:<id>.<metric>" (at most 120 characters).
_QUEST_PROGRESS_KEY = 120 - len("quest:.")


def compile_quests(design: GameDesign, found: Collector) -> tuple[CompiledQuest, ...]:
    ids = [quest.id for quest in design.quests]
    for index, quest in enumerate(design.quests):
        loc: Location = ("quests", index)
        if ids.count(quest.id) > 1:
            found.issue((*loc, "id"), f"quest id '{quest.id}' is used twice")
        for position, objective in enumerate(quest.objectives):
            if objective.metric not in design.metrics:
                found.issue(
                    (*loc, "objectives", position, "metric"),
                    f"unknown metric '{objective.metric}'",
                )
            elif len(quest.id) + len(objective.metric) > _QUEST_PROGRESS_KEY:
                found.issue(
                    (*loc, "objectives", position, "metric"),
                    f"the quest id and the metric key are {len(quest.id) + len(objective.metric)}"
                    f" characters together; at most {_QUEST_PROGRESS_KEY}",
                )
        _check_rewards(quest.rewards, (*loc, "rewards"), design, found)
    return tuple(CompiledQuest(quest) for quest in design.quests)
