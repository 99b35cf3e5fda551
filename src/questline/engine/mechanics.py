"""The design models of achievements, streaks, quests and scores (shape only; meaning is
checked by the compiler, like the rest of the design)."""

from __future__ import annotations

import itertools
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import Field, StringConstraints, model_validator

from questline.engine.periods import OUTSIDE_UTC, fits_utc
from questline.engine.spec import EventType, ExpressionText, Key, SpecModel, number_as_text

MechanicId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")]
TierName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,30}$")]
# A name a player reads: one text, or texts by locale ({"en": "…", "he": "…"}).
Localized = (
    Annotated[str, StringConstraints(min_length=1, max_length=200)]
    | dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")],
        Annotated[str, StringConstraints(min_length=1, max_length=500)],
    ]
)


def reading_locale(asked: str | None, player_locale: str | None, default: str) -> str:
    """The one rule for the language of the names a read shows (achievements, quests,
    scores): the one asked for (`?locale=`), else the player's own, else the design's
    `default_locale`."""
    return asked or player_locale or default


def localize(text: Localized | None, locale: str | None, default: str = "en") -> str | None:
    """The text in `locale`, else in its language ("pt" for "pt-BR"), else in the design's
    default locale (`default`) or its language, else in English, else the text of the
    locale that sorts first — never one that depends on how the design was stored."""
    if text is None or isinstance(text, str):
        return text
    for wanted in (locale, default, "en"):
        if wanted:
            for key in (wanted, wanted.split("-")[0]):
                if key in text:
                    return text[key]
    return text[min(text)]


class Rewards(SpecModel):
    """What unlocking or completing something gives: currency grants (written to the
    ledger with their explanation), catalog items, and streak freezes."""

    currencies: dict[Key, Annotated[int, Field(gt=0, le=10**9)]] = Field(default_factory=dict)
    items: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(
        default_factory=list
    )
    streak_freezes: dict[Key, Annotated[int, Field(gt=0, le=1000)]] = Field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.currencies or self.items or self.streak_freezes)


class Repeat(StrEnum):
    ONCE = "once"
    DAY = "day"
    WEEK = "week"


class AchievementTier(SpecModel):
    name: TierName
    target: Annotated[int, Field(ge=1, le=10**12)]
    rewards: Rewards = Field(default_factory=Rewards)


class NOfM(SpecModel):
    n: Annotated[int, Field(ge=1)]
    of: Annotated[list[MechanicId], Field(min_length=1)]

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if self.n > len(self.of):
            raise ValueError(f"n is {self.n} but only {len(self.of)} achievement(s) are listed")
        return self


class EventCount(SpecModel):
    """Counts the events of a type that match a filter."""

    on: EventType
    where: ExpressionText | None = None


_CONDITIONS = ("when", "progress", "count", "all_of", "any_of", "n_of")


class Achievement(SpecModel):
    id: MechanicId
    name: Localized | None = None
    description: Localized | None = None
    category: Annotated[str, StringConstraints(min_length=1, max_length=63)] | None = None
    icon: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    secret: bool = False
    # Exactly one condition:
    when: ExpressionText | None = None
    progress: ExpressionText | None = None
    count: EventCount | None = None
    all_of: Annotated[list[MechanicId], Field(min_length=1)] | None = None
    any_of: Annotated[list[MechanicId], Field(min_length=1)] | None = None
    n_of: NOfM | None = None
    target: Annotated[int, Field(ge=1, le=10**12)] | None = None
    tiers: Annotated[list[AchievementTier], Field(min_length=1)] | None = None
    repeat: Repeat = Repeat.ONCE
    rewards: Rewards = Field(default_factory=Rewards)

    @model_validator(mode="after")
    def _one_condition(self) -> Self:
        given = [name for name in _CONDITIONS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "an achievement needs exactly one of "
                + ", ".join(_CONDITIONS)
                + (f" (it has {', '.join(given)})" if given else "")
            )
        measured = given[0] in ("progress", "count")
        if measured and (self.target is None) == (self.tiers is None):
            raise ValueError(f"'{given[0]}' needs exactly one of 'target' or 'tiers'")
        if not measured and (self.target is not None or self.tiers is not None):
            raise ValueError(f"'{given[0]}' sets its own target; remove 'target' and 'tiers'")
        if self.tiers is not None:
            names = [tier.name for tier in self.tiers]
            if len(set(names)) != len(names):
                raise ValueError("tier names must differ")
            targets = [tier.target for tier in self.tiers]
            if any(b <= a for a, b in itertools.pairwise(targets)):
                raise ValueError("tier targets must be strictly increasing")
            if not self.rewards.empty:
                raise ValueError("a tiered achievement gives rewards per tier: move 'rewards'")
        return self


class StreakPeriod(StrEnum):
    DAY = "day"
    WEEK = "week"


class Freezes(SpecModel):
    max: Annotated[int, Field(ge=0, le=1000)]
    grant_every: Annotated[int, Field(ge=1, le=10_000)] | None = Field(
        default=None, description="give one freeze for every this many periods extended"
    )
    initial: Annotated[int, Field(ge=0, le=1000)] = 0


class Streak(SpecModel):
    name: Localized | None = None
    period: StreakPeriod = StreakPeriod.DAY
    on: Annotated[list[EventType], Field(min_length=1)] = Field(default_factory=lambda: ["*"])
    when: ExpressionText
    freezes: Freezes | None = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("on"), str):
            data = {**data, "on": [data["on"]]}
        return data


class ScoreTier(SpecModel):
    name: TierName
    min: float | None = None


class Score(SpecModel):
    name: Localized | None = None
    formula: ExpressionText
    min: int | None = None
    max: int | None = None
    tiers: list[ScoreTier] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _numbers(cls, data: Any) -> Any:
        if isinstance(data, dict) and "formula" in data:
            data = {**data, "formula": number_as_text(data["formula"])}
        return data

    @model_validator(mode="after")
    def _tiers(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        names = [tier.name for tier in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError("tier names must differ")
        floors = [tier.min for tier in self.tiers]
        if any(floor is None for floor in floors[:-1]):
            raise ValueError("only the last tier may leave out 'min' (it takes everything below)")
        given = [floor for floor in floors if floor is not None]
        if any(b >= a for a, b in itertools.pairwise(given)):
            raise ValueError("tiers are listed from the highest 'min' down")
        return self


class QuestPeriod(StrEnum):
    DAY = "day"
    WEEK = "week"
    WINDOW = "window"


class QuestObjective(SpecModel):
    metric: Key
    target: Annotated[int, Field(ge=1, le=10**12)]
    name: Localized | None = None


class Quest(SpecModel):
    id: MechanicId
    name: Localized | None = None
    description: Localized | None = None
    secret: bool = False
    period: QuestPeriod = QuestPeriod.DAY
    starts: datetime | None = None
    ends: datetime | None = None
    join: bool = Field(default=False, description="the quest starts for a player when they join it")
    duration_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    objectives: Annotated[list[QuestObjective], Field(min_length=1)]
    rewards: Rewards = Field(default_factory=Rewards)

    @model_validator(mode="after")
    def _window(self) -> Self:
        for name in ("starts", "ends"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"'{name}' needs a time zone offset, e.g. 2026-12-01T00:00:00Z")
            if value is not None and not fits_utc(value):
                raise ValueError(OUTSIDE_UTC.format(value.isoformat()))
        if self.period is QuestPeriod.WINDOW:
            if self.join:
                if self.duration_days is None:
                    raise ValueError("a quest players join needs 'duration_days'")
            elif self.starts is None or self.ends is None:
                raise ValueError("a window quest needs 'starts' and 'ends' (or 'join')")
        elif self.join or self.duration_days is not None:
            raise ValueError("'join' and 'duration_days' are for period: window")
        if self.starts and self.ends and self.starts >= self.ends:
            raise ValueError("'starts' must come before 'ends'")
        metrics = [objective.metric for objective in self.objectives]
        if len(set(metrics)) != len(metrics):
            raise ValueError("each objective needs its own metric")
        return self
