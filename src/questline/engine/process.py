"""engine.process: one event, one player's state, one design -> the facts that follow.

Pure and deterministic: no clock, no I/O. The worker loads the state, calls this
and writes the effects in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

from questline.engine import boosts, grants, progression
from questline.engine.awards import land
from questline.engine.compiler import CompiledDesign, CompiledModifier, CompiledRule
from questline.engine.design import Currency, LimitPeriod, Rounding, RuleLimit
from questline.engine.effects import (
    BalanceOpened,
    CurrencyAwarded,
    Effect,
    Effects,
    MetricIncremented,
    RuleFired,
    RuleSkipped,
    apply_effect,
)
from questline.engine.expressions import (
    CompiledExpression,
    EvaluationError,
    Value,
    plain_value,
)
from questline.engine.periods import Period, local_date, period_keys
from questline.engine.state import (
    EARNED_TODAY,
    METRIC,
    RULE,
    Event,
    PlayerState,
    rule_earned_key,
)
from questline.engine.view import StateView, parse_name

_ROUNDING = {
    Rounding.FLOOR: ROUND_FLOOR,
    Rounding.CEIL: ROUND_CEILING,
    Rounding.HALF_UP: ROUND_HALF_UP,
    Rounding.HALF_EVEN: ROUND_HALF_EVEN,
}
_LIMIT_PERIOD = {
    LimitPeriod.DAY: Period.TODAY,
    LimitPeriod.WEEK: Period.WEEK,
    LimitPeriod.ALL: Period.ALL,
}
# How an explanation words a rule cap's period: "200 a day (180 earned today)".
_CAP_WORDS = {
    LimitPeriod.DAY.value: ("a day", "today"),
    LimitPeriod.WEEK.value: ("a week", "this week"),
    LimitPeriod.ALL.value: ("in all", "so far"),
}


# Balances are 64-bit integers in storage; capping single awards far below that keeps
# every reachable balance representable.
MAX_AWARD = 10**12


class EventRejected(Exception):
    """The event cannot be processed under this design (e.g. a property it needs is missing)."""

    def __init__(self, message: str, *, rule: str | None = None, metric: str | None = None) -> None:
        where = f"rule '{rule}'" if rule else f"metric '{metric}'" if metric else None
        super().__init__(f"{where}: {message}" if where else message)
        self.rule = rule
        self.metric = metric


@dataclass
class _EventView(StateView):
    """Resolves expression names against the event and the evolving player state."""

    event: Event

    def resolve(self, path: str) -> Value | None:
        namespace, rest, _, _ = parse_name(path)
        if namespace == "event":
            return self.event.properties.get(rest)
        if namespace == "item":
            item = self.event.item
            return None if item is None else item.attributes.get(rest)
        return StateView.resolve(self, path)


def _evaluate(expression: CompiledExpression, view: _EventView) -> tuple[Value, dict[str, Any]]:
    value, inputs = expression.evaluate_traced(view)
    return value, {name: plain_value(v) for name, v in inputs.items()}


def process(state: PlayerState, event: Event, design: CompiledDesign) -> Effects:
    """Evaluate one event for one player. Raises EventRejected for an event it cannot score."""
    return step(state, event, design)[0]


def step(state: PlayerState, event: Event, design: CompiledDesign) -> tuple[Effects, PlayerState]:
    """`process`, also returning the state after the effects (the input is left alone),
    so a caller running many events need not fold the effects in again."""
    working = state.copy()
    periods = period_keys(local_date(event.occurred_at, event.time_zone))
    view = _EventView(working, periods, design, event)
    found: list[Effect] = []

    def emit(effect: Effect) -> None:
        apply_effect(working, effect)
        found.append(effect)

    for opened in open_balances(working, design):
        emit(opened)
    try:
        if event.type == grants.GRANT_EVENT:
            for granted in grants.manual_grant(view, event):
                emit(granted)
        for metric_effect in _metrics(view):
            emit(metric_effect)
        for rule in design.rules_for(event.type):
            for rule_effect in _rule(rule, view):
                emit(rule_effect)
        if design.has_mechanics:
            progression.advance(view, event, state, list(found), emit)
    except (EvaluationError, grants.GrantRejected) as error:
        raise EventRejected(str(error)) from None
    return Effects(event.seq, design.version, tuple(found)), working


def open_balances(state: PlayerState, design: CompiledDesign) -> list[BalanceOpened]:
    """The balances the player lacks of currencies whose floor is above 0, opened at it.
    They open before anything else the event does, so every award, grant and reward
    starts from the floor, and a condition on the currency reads it."""
    return [
        BalanceOpened(currency, floor, design.version)
        for currency, floor in design.floors.items()
        if currency not in state.balances
    ]


def _metrics(view: _EventView) -> list[Effect]:
    found: list[Effect] = []
    state, periods = view.state, view.periods
    for metric in view.design.metrics_for(view.event.type):
        key = METRIC + metric.key
        try:
            if metric.where is not None and _holds(metric.where, view) is not True:
                continue
            if metric.spec.active_days is not None:
                if state.counter(key, periods[Period.TODAY]) > 0:
                    continue
                by = 1
            elif metric.of is not None:
                value, _ = _evaluate(metric.of, view)
                assert isinstance(value, Decimal)
                by = int(value.to_integral_value(rounding=ROUND_HALF_UP))
            else:
                by = 1
        except EvaluationError as error:
            raise EventRejected(str(error), metric=metric.key) from None
        if by == 0:
            continue
        values = {p: state.counter(key, p) + by for p in periods.values()}
        if metric.spec.active_days is not None:
            values[periods[Period.TODAY]] = 1
        found.append(MetricIncremented(metric.key, by, values))
    return found


def _holds(expression: CompiledExpression, view: _EventView) -> bool:
    value = expression.evaluate(view)
    if not isinstance(value, bool):
        raise EvaluationError(f"expected true or false, got {value!r}", source=expression.source)
    return value


def _rule(rule: CompiledRule, view: _EventView) -> list[Effect]:
    state, event, periods = view.state, view.event, view.periods
    try:
        if rule.when is not None and not _holds(rule.when, view):
            return []
    except EvaluationError as error:
        raise EventRejected(str(error), rule=rule.id) from None

    spec = rule.spec
    cooldown = spec.cooldown_seconds
    last = state.rule_fired_at.get(rule.id)
    if (
        cooldown is not None
        and last is not None
        and event.occurred_at < last + timedelta(seconds=cooldown)
    ):
        return [
            RuleSkipped(
                rule.id, f"cooling down until {(last + timedelta(seconds=cooldown)).isoformat()}"
            )
        ]
    times = spec.limit.times if spec.limit is not None else None
    if spec.limit is not None and times is not None:
        period = periods[_LIMIT_PERIOD[spec.limit.per]]
        if state.counter(RULE + rule.id, period) >= times:
            return [
                RuleSkipped(rule.id, f"already fired {times} time(s) this {spec.limit.per.value}")
            ]

    # Only what a later event can ask about is tracked: firing counts for a rule with a
    # limit (in the limit's period), the last firing for a rule with a cool-down.
    fired_at = None
    if cooldown is not None:
        fired_at = max(event.occurred_at, last) if last is not None else event.occurred_at
    counts = {}
    if spec.limit is not None and times is not None:
        period = periods[_LIMIT_PERIOD[spec.limit.per]]
        counts[period] = state.counter(RULE + rule.id, period) + 1
    found: list[Effect] = [RuleFired(rule.id, fired_at, counts)]
    for currency, expression in rule.award.items():
        try:
            found.extend(_award(rule, currency, expression, view))
        except EvaluationError as error:
            raise EventRejected(str(error), rule=rule.id) from None
    return found


def _award(
    rule: CompiledRule, currency: str, expression: CompiledExpression, view: _EventView
) -> list[Effect]:
    design, state, periods = view.design, view.state, view.periods
    spec: Currency = design.currencies[currency]
    base, inputs = _evaluate(expression, view)
    assert isinstance(base, Decimal)
    steps: list[dict[str, Any]] = []
    amount = base

    def applies(modifier: CompiledModifier) -> bool:
        if modifier.currency not in (None, currency):
            return False
        if modifier.when is None:
            return True
        matched, seen = modifier.when.evaluate_traced(view)
        inputs.update({k: plain_value(v) for k, v in seen.items()})
        return matched is True

    for modifier in rule.multiply:
        if applies(modifier):
            factor, seen = _evaluate(modifier.value, view)
            inputs.update(seen)
            assert isinstance(factor, Decimal)
            amount = amount * factor
            steps.append(
                {
                    "step": "multiply",
                    "name": modifier.name,
                    "by": plain_value(factor),
                    "result": plain_value(amount),
                }
            )
    for modifier in rule.add:
        if applies(modifier):
            bonus, seen = _evaluate(modifier.value, view)
            inputs.update(seen)
            assert isinstance(bonus, Decimal)
            amount = amount + bonus
            steps.append(
                {
                    "step": "add",
                    "name": modifier.name,
                    "amount": plain_value(bonus),
                    "result": plain_value(amount),
                }
            )

    if state.boosts:
        amount, boosted = boosts.multiply(
            amount,
            currency,
            state.boosts,
            view.event.occurred_at,
            view.event.time_zone,
            design.boosts,
            design.design.default_locale,
        )
        steps.extend(boosted)

    rounded = int(amount.to_integral_value(rounding=_ROUNDING[spec.rounding]))
    if abs(rounded) > MAX_AWARD:
        raise EvaluationError(
            f"an award of {rounded} {currency} is beyond the limit of {MAX_AWARD:,}",
            source=expression.source,
        )
    if rounded != amount:
        steps.append({"step": "round", "mode": spec.rounding.value, "result": rounded})
    awarded = rounded

    # A rule's own cap first, then its currency's daily cap, then the bounds: each cuts
    # what the one before left, and each counts what was finally awarded.
    limit: RuleLimit | None = rule.spec.limit
    rule_period = rule_earned = None
    if limit is not None and limit.max is not None:
        rule_period = periods[_LIMIT_PERIOD[limit.per]]
        rule_earned = state.counter(rule_earned_key(rule.id, currency), rule_period)
        awarded = _capped(
            awarded,
            limit.max,
            rule_earned,
            {"step": "rule_cap", "max": limit.max, "per": limit.per.value, "earned": rule_earned},
            steps,
        )
    today = periods[Period.TODAY]
    earned_today = state.counter(EARNED_TODAY + currency, today)
    daily_cap = None if rule.spec.exempt_from_daily_cap else spec.daily_cap
    if daily_cap is not None:
        awarded = _capped(
            awarded,
            daily_cap,
            earned_today,
            {"step": "daily_cap", "cap": daily_cap, "earned_today": earned_today},
            steps,
        )

    landed = land(design, state.balance(currency), currency, awarded)
    if landed.bounds:
        steps.append(landed.bounds)
    awarded = landed.amount
    breakdown: dict[str, Any] = {
        "rule": rule.id,
        "currency": currency,
        "expression": expression.source,
        "inputs": inputs,
        "base": plain_value(base),
        "steps": steps,
        "amount": awarded,
        "config_version": design.version,
    }
    found: list[Effect] = [
        CurrencyAwarded(
            rule=rule.id,
            currency=currency,
            amount=awarded,
            balance_after=landed.balance_after,
            earned_after=landed.earned_after,
            earned_today=(today, earned_today + max(awarded, 0)) if daily_cap else None,
            explanation=explain(breakdown),
            breakdown=breakdown,
            rule_earned=(
                None
                if rule_period is None or rule_earned is None
                else (rule_period, rule_earned + max(awarded, 0))
            ),
        )
    ]
    if landed.level is not None:
        found.append(landed.level)
    return found


def _capped(
    awarded: int, cap: int, earned: int, step: dict[str, Any], steps: list[dict[str, Any]]
) -> int:
    """A positive award cut to what is left of `cap` when `earned` already counts toward
    it; a cut is noted in `steps` as `step` with its result. A debit is never capped."""
    if awarded <= 0:
        return awarded
    room = max(cap - earned, 0)
    if awarded <= room:
        return awarded
    steps.append({**step, "result": room})
    return room


def _shown(value: object) -> str:
    """An input as the design's own expressions write it: `true`, `"text"`; an input
    the event did not carry is `missing` (not Python's `None`)."""
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def explain(breakdown: dict[str, Any]) -> str:
    """One line a player or support agent can read: how the amount came to be."""
    inputs = ", ".join(f"{k} = {_shown(v)}" for k, v in breakdown["inputs"].items())
    text = f"{breakdown['rule']}: {breakdown['expression']}"
    if inputs:
        text += f" with {inputs}"
    text += f" gives {breakdown['base']}"
    for step in breakdown["steps"]:
        match step["step"]:
            case "multiply":
                text += f"; {step['name']} ×{step['by']} → {step['result']}"
            case "add":
                text += f"; {step['name']} +{step['amount']} → {step['result']}"
            case "boost":
                # "until" is ISO 8601 in the player's zone: its hours and minutes.
                until = step["until"][11:16]
                text += f"; {step['name']} boost ×{step['by']}, until {until} → {step['result']}"
            case "round":
                text += f"; rounded {step['mode'].replace('_', ' ')} → {step['result']}"
            case "rule_cap":
                per, so_far = _CAP_WORDS[step["per"]]
                text += f"; rule cap {step['max']} {per} ({step['earned']} earned {so_far})"
                text += f" → {step['result']}"
            case "daily_cap":
                text += f"; daily cap {step['cap']} ({step['earned_today']} earned today)"
                text += f" → {step['result']}"
            case "bounds":
                text += f"; kept within bounds → {step['result']}"
    return f"{text}: {breakdown['amount']:+d} {breakdown['currency']}"
