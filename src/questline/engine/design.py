"""The game design document: what a designer writes, validated as data.

These models only check shape. `compile_design` (in compiler.py) checks meaning:
every expression parses, names exist and types fit.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from questline.engine.activity import ActivitySpec
from questline.engine.leaderboards import Leaderboard
from questline.engine.leagues import League
from questline.engine.mechanics import Achievement, MechanicId, Quest, Score, Streak
from questline.engine.notifications import Locale, NotificationsSpec
from questline.engine.shop import Boost, Shop
from questline.engine.spec import (
    DURATION_HINT,
    EventType,
    ExpressionText,
    Key,
    SpecModel,
    duration_seconds,
    number_as_text,
)

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")]
# The optional modules a design can turn on for its app (each has its own API).
ModuleName = Literal["learning", "social"]


class Rounding(StrEnum):
    FLOOR = "floor"
    CEIL = "ceil"
    HALF_UP = "half_up"
    HALF_EVEN = "half_even"


class LevelCurve(SpecModel):
    """Either a formula of `total` (lifetime earned) or a table of thresholds."""

    formula: ExpressionText | None = None
    thresholds: list[Annotated[int, Field(ge=0)]] | None = None
    max_level: Annotated[int, Field(ge=1, le=100_000)] = 1000

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.formula is None) == (self.thresholds is None):
            raise ValueError("a level curve needs exactly one of 'formula' or 'thresholds'")
        if self.thresholds is not None:
            if not self.thresholds or self.thresholds[0] != 0:
                raise ValueError("thresholds must start at 0 (the first level needs nothing)")
            if any(b <= a for a, b in zip(self.thresholds, self.thresholds[1:], strict=False)):
                raise ValueError("thresholds must be strictly increasing")
        return self


class Currency(SpecModel):
    name: str | None = None
    spendable: bool = False
    min: int | None = 0
    max: int | None = None
    rounding: Rounding = Rounding.FLOOR
    daily_cap: Annotated[int, Field(gt=0)] | None = None
    levels: LevelCurve | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        if self.max is not None and self.max < 0:
            raise ValueError("max must be 0 or above: a balance starts at 0 (or at a min above 0)")
        if self.spendable and self.min is not None and self.min > 0:
            # A purchase spends down to 0; a floor above it would be spent through.
            raise ValueError("a spendable currency's min must be 0 or below")
        return self

    @property
    def starting_balance(self) -> int:
        """Where a player's balance starts: 0, or the floor when `min` is above 0."""
        return self.min if self.min is not None and self.min > 0 else 0

    def clamp(self, balance: int, change: int) -> int:
        """The balance after `change`, kept within `min` and `max`.

        A bound stops a change that would cross it, at the bound. A balance already
        beyond a bound (the design tightened it later) is not pulled back to it: a change
        that would take it further out leaves it where it is, and a change back toward
        the range is applied, up to the other bound."""
        after = balance + change
        if self.max is not None:
            after = min(after, max(self.max, balance))
        if self.min is not None:
            after = max(after, min(self.min, balance))
        return after


class Metric(SpecModel):
    """A counter derived from events: exactly one of count, sum or active_days."""

    description: str | None = None
    count: EventType | None = None
    sum: EventType | None = None
    of: ExpressionText | None = None
    active_days: EventType | None = None
    where: ExpressionText | None = None

    @model_validator(mode="before")
    @classmethod
    def _numbers(cls, data: Any) -> Any:
        if isinstance(data, dict) and "of" in data:
            data = {**data, "of": number_as_text(data["of"])}
        return data

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        kinds = [k for k in ("count", "sum", "active_days") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a metric needs exactly one of 'count', 'sum' or 'active_days'")
        if (self.sum is None) != (self.of is None):
            raise ValueError("'sum' needs 'of' (the value to add up) and 'of' needs 'sum'")
        return self

    @property
    def event_type(self) -> str:
        return self.count or self.sum or self.active_days or "*"


class Multiplier(SpecModel):
    name: str
    when: ExpressionText | None = None
    by: ExpressionText
    currency: Key | None = None

    @model_validator(mode="before")
    @classmethod
    def _numbers(cls, data: Any) -> Any:
        if isinstance(data, dict) and "by" in data:
            data = {**data, "by": number_as_text(data["by"])}
        return data


class Bonus(SpecModel):
    name: str
    when: ExpressionText | None = None
    amount: ExpressionText
    currency: Key | None = None

    @model_validator(mode="before")
    @classmethod
    def _numbers(cls, data: Any) -> Any:
        if isinstance(data, dict) and "amount" in data:
            data = {**data, "amount": number_as_text(data["amount"])}
        return data


class LimitPeriod(StrEnum):
    DAY = "day"
    WEEK = "week"
    ALL = "all"


class RuleLimit(SpecModel):
    """How often a rule fires (`times`) and how much it awards (`max`, of each of its
    currencies) per period, in the player's own days and weeks."""

    times: Annotated[int, Field(ge=1)] | None = None
    max: Annotated[int, Field(gt=0)] | None = None
    per: LimitPeriod = LimitPeriod.DAY

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.times is None and self.max is None:
            raise ValueError("a limit needs 'times' (firings), 'max' (an amount) or both")
        return self


class Rule(SpecModel):
    id: RuleId
    name: str | None = None
    on: Annotated[list[EventType], Field(min_length=1)]
    when: ExpressionText | None = None
    award: Annotated[dict[Key, ExpressionText], Field(min_length=1)]
    multiply: list[Multiplier] = Field(default_factory=list)
    add: list[Bonus] = Field(default_factory=list)
    limit: RuleLimit | None = None
    # Awards neither cut by nor counted toward their currencies' daily caps.
    exempt_from_daily_cap: bool = False
    cooldown: str | None = Field(default=None, description="a duration such as 30s, 10m, 2h, 1d")

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            if isinstance(data.get("on"), str):
                data["on"] = [data["on"]]
            if isinstance(data.get("on"), list):
                data["on"] = list(dict.fromkeys(data["on"]))
            if isinstance(data.get("award"), dict):
                data["award"] = {k: number_as_text(v) for k, v in data["award"].items()}
        return data

    @model_validator(mode="after")
    def _cooldown(self) -> Self:
        if self.cooldown is not None and duration_seconds(self.cooldown) is None:
            raise ValueError(f"cooldown must be {DURATION_HINT}")
        return self

    @property
    def cooldown_seconds(self) -> int | None:
        return None if self.cooldown is None else duration_seconds(self.cooldown)


class GameDesign(SpecModel):
    name: str | None = None
    description: str | None = None
    default_locale: Locale = Field(
        default="en",
        description="the language names are read in by a reader with no locale of their own,"
        " and the text taken where a name lacks the reader's",
    )
    currencies: dict[Key, Currency] = Field(default_factory=dict)
    metrics: dict[Key, Metric] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    achievements: list[Achievement] = Field(default_factory=list)
    streaks: dict[Key, Streak] = Field(default_factory=dict)
    quests: list[Quest] = Field(default_factory=list)
    scores: dict[Key, Score] = Field(default_factory=dict)
    leaderboards: dict[Key, Leaderboard] = Field(default_factory=dict)
    leagues: League | None = None
    notifications: NotificationsSpec = Field(default_factory=NotificationsSpec)
    activity: ActivitySpec = Field(default_factory=ActivitySpec)
    boosts: dict[MechanicId, Boost] = Field(default_factory=dict)
    shop: Shop = Field(default_factory=Shop)
    modules: list[ModuleName] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> Self:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id '{rule.id}' is used twice")
            seen.add(rule.id)
        return self
