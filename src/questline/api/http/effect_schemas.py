"""Effects as the OpenAPI schema describes them: one model per kind, a union keyed on
``kind``.

Only the schema: responses carry effects as the engine wrote them
(``engine.effects.effect_to_dict``), stored with the event and sent on without being
validated again, so what is on the wire does not change. A test checks each kind the
engine makes against its model here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, WithJsonSchema

from questline.api.http.openapi_shapes import type_component

_T = "2026-11-16"
EXAMPLES: dict[str, dict[str, Any]] = {
    "currency_awarded": {
        "rule": "attempt-xp",
        "currency": "xp",
        "amount": 85,
        "balance_after": 520,
        "explanation": "item.xp * event.score / 100 = 100 * 85 / 100 = 85",
        "breakdown": {"item.xp": 100, "event.score": 85},
    },
    "balance_opened": {
        "currency": "reputation",
        "balance": 1,
        "explanation": "starting balance, the floor of reputation: +1 reputation",
    },
    "level_reached": {"currency": "xp", "level": 3, "previous_level": 2},
    "metric_incremented": {"metric": "passed", "by": 1, "values": {"all": 12, "w:2026-W47": 3}},
    "rule_fired": {"rule": "attempt-xp"},
    "rule_skipped": {"rule": "review-xp", "reason": "limit: 50 per day"},
    "league_skipped": {
        "week": "2026-W46",
        "currency": "xp",
        "amount": 40,
        "reason": "league week 2026-W46 was settled at its rollover before this event was"
        " processed",
    },
    "achievement_unlocked": {
        "achievement": "scholar",
        "tier": "bronze",
        "period": "all",
        "value": 10,
        "target": 10,
        "rewards": {"currencies": {"gems": 20}},
        "breakdown": {"metric.lessons": 10},
    },
    "achievement_progressed": {
        "achievement": "scholar",
        "tier": "silver",
        "previous": 10,
        "value": 11,
        "target": 50,
    },
    "streak_extended": {
        "streak": "practice",
        "period": _T,
        "current": 8,
        "longest": 8,
        "started_on": "2026-11-09",
        "freezes_granted": 1,
        "freezes": 2,
    },
    "streak_frozen": {"streak": "practice", "covered": _T, "freezes_left": 1},
    "streak_broken": {"streak": "practice", "length": 8, "last_period": _T, "missed": 2},
    "streak_freezes_granted": {
        "streak": "practice",
        "count": 1,
        "freezes": 2,
        "reason": "purchase",
    },
    "quest_progressed": {
        "quest": "weekly-lessons",
        "instance": "w:2026-W47",
        "progress": {"lessons": 3},
    },
    "quest_completed": {
        "quest": "weekly-lessons",
        "instance": "w:2026-W47",
        "objectives": {"lessons": {"progress": 10, "target": 10}},
        "rewards": {"currencies": {"gems": 25}},
    },
    "score_tier_changed": {
        "score": "reputation",
        "tier": "gold",
        "previous_tier": "green",
        "value": 10,
        "previous_value": 9,
        "components": {"metric.completed": 10, "metric.no_shows": 0},
    },
    "score_changed": {"score": "reputation", "value": 10, "previous": 9},
}


def _example(schema: dict[str, Any], model: type[BaseModel]) -> None:
    (kind,) = get_args(model.model_fields["kind"].annotation)
    schema["examples"] = [{"kind": kind, **EXAMPLES[kind]}]


class _Effect(BaseModel):
    # Later versions may add fields to a kind: clients keep what they do not know.
    model_config = ConfigDict(extra="allow", json_schema_extra=_example)


class CurrencyAwarded(_Effect):
    """An amount of a currency awarded (or taken back), how it was computed, and the
    balance after it."""

    kind: Literal["currency_awarded"]
    rule: str = Field(description="the rule, achievement, quest or grant that awarded it")
    currency: str
    amount: int
    balance_after: int
    explanation: str = Field(description="the formula with its values, for a person")
    breakdown: dict[str, Any] = Field(description="each name the formula read, and its value")
    cause: str | None = Field(
        default=None, description="`achievement` or `quest` for a reward; absent for a rule"
    )


class BalanceOpened(_Effect):
    """A balance of a currency whose `min` is above 0 began at that floor (on the
    player's first event under such a design); the ledger has it as an `opening` entry."""

    kind: Literal["balance_opened"]
    currency: str
    balance: int
    explanation: str


class LevelReached(_Effect):
    """A player reached a new level of a currency's curve."""

    kind: Literal["level_reached"]
    currency: str
    level: int
    previous_level: int


class MetricIncremented(_Effect):
    """A metric counted the event; its values after it, by period key."""

    kind: Literal["metric_incremented"]
    metric: str
    by: int
    values: dict[str, int]


class RuleFired(_Effect):
    """A rule's condition held for the event."""

    kind: Literal["rule_fired"]
    rule: str


class RuleSkipped(_Effect):
    """A rule matched the event but did not fire (a limit, a cool-down), and why."""

    kind: Literal["rule_skipped"]
    rule: str
    reason: str


class LeagueSkipped(_Effect):
    """The event's award counts in no league: it is dated in a league week that is over
    and was settled at its rollover (or that nobody played). It still counts in balances,
    levels and leaderboards. Players are not notified of it."""

    kind: Literal["league_skipped"]
    week: str = Field(description="the league week the event is dated in")
    currency: str = Field(description="the league's currency")
    amount: int = Field(description="what the event awarded of it, which no league counted")
    reason: str


class AchievementUnlocked(_Effect):
    """An achievement (or a tier of one) was earned."""

    kind: Literal["achievement_unlocked"]
    achievement: str
    tier: str | None
    period: str = Field(description="`all` for a once-only achievement, else the period")
    value: int
    target: int
    rewards: dict[str, Any]
    breakdown: dict[str, Any]


class AchievementProgressed(_Effect):
    """Progress towards an achievement (or its next tier) moved."""

    kind: Literal["achievement_progressed"]
    achievement: str
    tier: str | None
    previous: int
    value: int
    target: int


class StreakExtended(_Effect):
    """A streak counted another period."""

    kind: Literal["streak_extended"]
    streak: str
    period: str = Field(description="the period counted, as a date")
    current: int
    longest: int
    started_on: str = Field(description="a date")
    freezes_granted: int
    freezes: int


class StreakFrozen(_Effect):
    """A freeze stood in for a missed period."""

    kind: Literal["streak_frozen"]
    streak: str
    covered: str = Field(description="the period the freeze covered, as a date")
    freezes_left: int


class StreakBroken(_Effect):
    """A streak broke: periods were missed with no freeze to cover them."""

    kind: Literal["streak_broken"]
    streak: str
    length: int
    last_period: str = Field(description="a date")
    missed: int


class StreakFreezesGranted(_Effect):
    """Streak freezes were given to a player."""

    kind: Literal["streak_freezes_granted"]
    streak: str
    count: int = Field(description="freezes actually added (a full holder gets fewer)")
    freezes: int
    reason: str


class QuestProgressed(_Effect):
    """Progress on a quest's objectives, by metric."""

    kind: Literal["quest_progressed"]
    quest: str
    instance: str
    progress: dict[str, int]


class QuestCompleted(_Effect):
    """A quest was completed: each objective's progress and target, and its rewards."""

    kind: Literal["quest_completed"]
    quest: str
    instance: str
    objectives: dict[str, dict[str, int]]
    rewards: dict[str, Any]


class ScoreTierChanged(_Effect):
    """A score moved into another tier."""

    kind: Literal["score_tier_changed"]
    score: str
    tier: str | None
    previous_tier: str | None
    value: int | str
    previous_value: int | str
    components: dict[str, Any]


class ScoreChanged(_Effect):
    """A score a leaderboard ranks by took a new value."""

    kind: Literal["score_changed"]
    score: str
    value: int
    previous: int


Effect: TypeAlias = Annotated[
    CurrencyAwarded
    | BalanceOpened
    | LevelReached
    | MetricIncremented
    | RuleFired
    | RuleSkipped
    | LeagueSkipped
    | AchievementUnlocked
    | AchievementProgressed
    | StreakExtended
    | StreakFrozen
    | StreakBroken
    | StreakFreezesGranted
    | QuestProgressed
    | QuestCompleted
    | ScoreTierChanged
    | ScoreChanged,
    Field(discriminator="kind"),
]
# The same models, one by one.
EFFECT_MODELS: tuple[type[_Effect], ...] = get_args(get_args(Effect)[0])
# (mypy reads an Annotated union as a value, not a type.)
EFFECT: TypeAdapter[Any] = TypeAdapter(cast("type[Any]", Effect))
EFFECT_EXAMPLE: dict[str, Any] = {"kind": "currency_awarded", **EXAMPLES["currency_awarded"]}

# The type of an `effects` field: a list of `Effect` to the schema, the engine's dicts
# as they are at run time.
Effects = Annotated[
    list[dict[str, Any]] | None,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "array", "items": type_component("Effect", EFFECT)},
                {"type": "null"},
            ],
            "description": "what the event did, in order; each effect has a `kind`",
        }
    ),
]
