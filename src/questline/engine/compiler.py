"""Turn a game design document into a checked, compiled design.

Everything that can be wrong with a design is found here, at publish time, with
its location — so a typo is a 422 for the designer and not a failure at 3 a.m.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from questline.engine.activity import CompiledActivity, compile_activity
from questline.engine.design import Currency, GameDesign, Metric, Rule
from questline.engine.expressions import (
    CompiledExpression,
    ExpressionError,
    ExpressionType,
    Scope,
    compile_expression,
)
from questline.engine.leaderboards import Leaderboard, RankSource, rank_source
from questline.engine.levels import CompiledLevelCurve, LevelCurveError, compile_level_curve
from questline.engine.mechanics_compiler import (
    CompiledAchievement,
    CompiledQuest,
    CompiledScore,
    CompiledStreak,
    Location,
    balance_and_metric_names,
    compile_achievements,
    compile_quests,
    compile_scores,
    compile_streaks,
)
from questline.engine.notifications import CompiledNotifications, compile_notifications
from questline.engine.shop import Boost
from questline.engine.shop_compiler import CompiledShop, compile_shop


@dataclass(frozen=True)
class DesignIssue:
    loc: Location
    message: str
    position: int | None = None

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"loc": list(self.loc), "message": self.message}
        if self.position is not None:
            found["position"] = self.position
        return found


class DesignError(ValueError):
    def __init__(self, issues: list[DesignIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(f"{'.'.join(map(str, i.loc))}: {i.message}" for i in issues))


@dataclass(frozen=True)
class CompiledMetric:
    key: str
    spec: Metric
    where: CompiledExpression | None
    of: CompiledExpression | None

    def matches(self, event_type: str) -> bool:
        return self.spec.event_type in ("*", event_type)


@dataclass(frozen=True)
class CompiledModifier:
    name: str
    when: CompiledExpression | None
    value: CompiledExpression
    currency: str | None


@dataclass(frozen=True)
class CompiledRule:
    spec: Rule
    when: CompiledExpression | None
    award: Mapping[str, CompiledExpression]
    multiply: tuple[CompiledModifier, ...]
    add: tuple[CompiledModifier, ...]

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class CompiledLeaderboard:
    key: str
    spec: Leaderboard
    source: RankSource


@dataclass(frozen=True)
class CompiledDesign:
    design: GameDesign
    version: int
    currencies: Mapping[str, Currency]
    levels: Mapping[str, CompiledLevelCurve]
    metrics: tuple[CompiledMetric, ...]
    rules: tuple[CompiledRule, ...]
    leaderboards: Mapping[str, CompiledLeaderboard] = field(default_factory=dict)
    _rules_by_event: dict[str, tuple[CompiledRule, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _metrics_by_event: dict[str, tuple[CompiledMetric, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )
    achievements: tuple[CompiledAchievement, ...] = ()
    streaks: tuple[CompiledStreak, ...] = ()
    quests: tuple[CompiledQuest, ...] = ()
    scores: Mapping[str, CompiledScore] = field(default_factory=dict)
    notifications: CompiledNotifications = field(default_factory=CompiledNotifications)
    activity: CompiledActivity = field(default_factory=CompiledActivity)
    shop: CompiledShop = field(default_factory=CompiledShop)
    # Currencies whose balances start above 0, at their floor: currency -> floor.
    floors: Mapping[str, int] = field(default_factory=dict)

    @property
    def boosts(self) -> Mapping[str, Boost]:
        return self.shop.boosts

    @property
    def has_mechanics(self) -> bool:
        return bool(self.achievements or self.streaks or self.quests or self.scores)

    def achievement(self, achievement_id: str) -> CompiledAchievement | None:
        return next((a for a in self.achievements if a.id == achievement_id), None)

    def metrics_for(self, event_type: str) -> tuple[CompiledMetric, ...]:
        found = self._metrics_by_event.get(event_type)
        if found is None:
            found = tuple(m for m in self.metrics if m.matches(event_type))
            self._metrics_by_event[event_type] = found
        return found

    def rules_for(self, event_type: str) -> tuple[CompiledRule, ...]:
        """The rules an event type triggers, in the order the design lists them, each once."""
        found = self._rules_by_event.get(event_type)
        if found is None:
            found = tuple(r for r in self.rules if event_type in r.spec.on or "*" in r.spec.on)
            self._rules_by_event[event_type] = found
        return found


def event_scope(design: GameDesign) -> Scope:
    """Names an event-time expression may read: the player's balances and metrics, and
    anything under `event.` and `item.`."""
    return Scope(
        names=balance_and_metric_names(design), open_namespaces=frozenset({"event", "item"})
    )


METRIC_SCOPE = Scope(open_namespaces=frozenset({"event", "item"}))


class _Collector:
    def __init__(self) -> None:
        self.issues: list[DesignIssue] = []

    def expression(
        self, source: str, scope: Scope, expect: ExpressionType, loc: Location
    ) -> CompiledExpression | None:
        try:
            return compile_expression(source, scope, expect)
        except ExpressionError as error:
            self.issues.append(DesignIssue(loc, error.message, error.position))
            return None

    def issue(self, loc: Location, message: str) -> None:
        self.issues.append(DesignIssue(loc, message))

    def located(self, loc: Location, message: str, position: int | None) -> None:
        self.issues.append(DesignIssue(loc, message, position))


def parse_design(document: Any) -> GameDesign:
    try:
        return GameDesign.model_validate(document)
    except ValidationError as error:
        raise DesignError(
            [
                DesignIssue(tuple(e["loc"]), str(e["msg"]).removeprefix("Value error, "))
                for e in error.errors(include_url=False)
            ]
        ) from None


def compile_design(document: Any, version: int = 0) -> CompiledDesign:
    """Validate and compile a design document; raise DesignError listing every issue."""
    design = document if isinstance(document, GameDesign) else parse_design(document)
    found = _Collector()
    scope = event_scope(design)

    levels: dict[str, CompiledLevelCurve] = {}
    for key, currency in design.currencies.items():
        if currency.levels is None:
            continue
        try:
            levels[key] = compile_level_curve(currency.levels)
        except LevelCurveError as error:
            found.issues.append(
                DesignIssue(
                    ("currencies", key, "levels", *error.loc), error.message, error.position
                )
            )

    metrics: list[CompiledMetric] = []
    for key, metric in design.metrics.items():
        loc: Location = ("metrics", key)
        where = (
            found.expression(metric.where, METRIC_SCOPE, ExpressionType.BOOL, (*loc, "where"))
            if metric.where
            else None
        )
        of = (
            found.expression(metric.of, METRIC_SCOPE, ExpressionType.NUMBER, (*loc, "of"))
            if metric.of
            else None
        )
        metrics.append(CompiledMetric(key, metric, where, of))

    achievements, hidden = compile_achievements(design, found)
    for key, (index, on, where_source) in hidden.items():
        # An achievement that counts filtered events keeps its count as a hidden metric.
        where = (
            found.expression(
                where_source,
                METRIC_SCOPE,
                ExpressionType.BOOL,
                ("achievements", index, "count", "where"),
            )
            if where_source
            else None
        )
        metrics.append(CompiledMetric(key, Metric(count=on, where=where_source), where, None))
    streaks = compile_streaks(design, found)
    scores = compile_scores(design, found)
    quests = compile_quests(design, found)
    shop = compile_shop(design, found)

    rules: list[CompiledRule] = []
    for index, rule in enumerate(design.rules):
        compiled = _compile_rule(rule, ("rules", index), design, scope, found)
        if compiled is not None:
            rules.append(compiled)

    leaderboards = {
        key: board_compiled
        for key, board in design.leaderboards.items()
        if (board_compiled := _compile_leaderboard(key, board, design, found)) is not None
    }

    if design.leagues is not None:
        league_currency = design.leagues.rank_by.removeprefix("currency.")
        if league_currency not in design.currencies:
            found.issues.append(
                DesignIssue(("leagues", "rank_by"), _unknown("currency", league_currency, design))
            )

    notifications = compile_notifications(design.notifications, found.located)
    activity = compile_activity(design.activity, found.located)

    if found.issues:
        raise DesignError(found.issues)

    return CompiledDesign(
        design=design,
        version=version,
        currencies=design.currencies,
        floors={
            key: spec.starting_balance
            for key, spec in design.currencies.items()
            if spec.starting_balance
        },
        levels=levels,
        metrics=tuple(metrics),
        rules=tuple(rules),
        achievements=achievements,
        streaks=streaks,
        quests=quests,
        scores=scores,
        leaderboards=leaderboards,
        notifications=notifications,
        activity=activity,
        shop=shop,
    )


def _compile_leaderboard(
    key: str, board: Leaderboard, design: GameDesign, found: _Collector
) -> CompiledLeaderboard | None:
    loc: Location = ("leaderboards", key, "rank_by")
    try:
        source = rank_source(board.rank_by)
    except ValueError as error:
        found.issues.append(DesignIssue(loc, str(error)))
        return None
    sections: dict[str, Mapping[str, object]] = {
        "currency": design.currencies,
        "metric": design.metrics,
        "streak": design.streaks,
        "score": design.scores,
    }
    declared = sections[source.kind]
    if source.key not in declared:
        listing = ", ".join(sorted(declared)) or "none are declared"
        found.issues.append(
            DesignIssue(loc, f"unknown {source.kind} '{source.key}' (declared: {listing})")
        )
        return None
    return CompiledLeaderboard(key, board, source)


def _compile_rule(
    rule: Rule, loc: Location, design: GameDesign, scope: Scope, found: _Collector
) -> CompiledRule | None:
    before = len(found.issues)
    when = (
        found.expression(rule.when, scope, ExpressionType.BOOL, (*loc, "when"))
        if rule.when
        else None
    )
    award: dict[str, CompiledExpression] = {}
    for currency, source in rule.award.items():
        if currency not in design.currencies:
            found.issues.append(
                DesignIssue((*loc, "award", currency), _unknown("currency", currency, design))
            )
            continue
        expression = found.expression(
            source, scope, ExpressionType.NUMBER, (*loc, "award", currency)
        )
        if expression is not None:
            award[currency] = expression

    def modifiers(kind: str, entries: list[Any], field_name: str) -> tuple[CompiledModifier, ...]:
        compiled: list[CompiledModifier] = []
        for position, entry in enumerate(entries):
            at: Location = (*loc, kind, position)
            if entry.currency is not None and entry.currency not in rule.award:
                found.issues.append(
                    DesignIssue(
                        (*at, "currency"),
                        f"this rule awards no '{entry.currency}'; it awards "
                        + ", ".join(sorted(rule.award)),
                    )
                )
            condition = (
                found.expression(entry.when, scope, ExpressionType.BOOL, (*at, "when"))
                if entry.when
                else None
            )
            value = found.expression(
                getattr(entry, field_name), scope, ExpressionType.NUMBER, (*at, field_name)
            )
            if value is not None:
                compiled.append(CompiledModifier(entry.name, condition, value, entry.currency))
        return tuple(compiled)

    multiply = modifiers("multiply", list(rule.multiply), "by")
    add = modifiers("add", list(rule.add), "amount")
    if len(found.issues) > before or (rule.when and when is None):
        return None
    return CompiledRule(rule, when, award, multiply, add)


def _unknown(kind: str, key: str, design: GameDesign) -> str:
    known = sorted(design.currencies) if kind == "currency" else []
    listing = ", ".join(known) if known else "none are declared"
    return f"unknown {kind} '{key}' (declared: {listing})"
