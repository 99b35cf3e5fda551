"""The module's response models."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

_RANGE: JsonDict = {"from": "2026-11-02", "to": "2026-11-08", "time_zone": "Europe/Paris"}


class RangeOut(BaseModel):
    """The local days a figure covers, and the zone they are days in."""

    model_config = ConfigDict(populate_by_name=True, json_schema_extra={"examples": [_RANGE]})

    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    time_zone: str


class ActivityPointOut(BaseModel):
    """One day, ISO week or month (named by its first day): distinct players with at least
    one event in it, and the events."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"start": "2026-11-02", "players": 412, "events": 3180}]}
    )

    start: date
    players: int
    events: int


class ActivityOut(BaseModel):
    """Active players and events per day, ISO week or month."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "range": _RANGE,
                    "interval": "day",
                    "data": [{"start": "2026-11-02", "players": 412, "events": 3180}],
                }
            ]
        }
    )

    range: RangeOut
    interval: str
    data: list[ActivityPointOut]


class AwardPointOut(BaseModel):
    """What was awarded on one day, per currency (rules' awards and the rewards events
    earned; manual grants and purchases are not awards)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"day": "2026-11-02", "awarded": {"xp": 5120, "gems": 80}}]}
    )

    day: date
    awarded: dict[str, int]


class AwardsOut(BaseModel):
    """Amounts awarded per day, by currency."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"range": _RANGE, "data": [{"day": "2026-11-02", "awarded": {"xp": 5120}}]}
            ]
        }
    )

    range: RangeOut
    data: list[AwardPointOut]


class DayCountOut(BaseModel):
    """Players whose first event fell on this day."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"day": "2026-11-02", "players": 37}]}
    )

    day: date
    players: int


class NewPlayersOut(BaseModel):
    """New players per day: players counted on the day of their first event."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"range": _RANGE, "data": [{"day": "2026-11-02", "players": 37}]}]
        }
    )

    range: RangeOut
    data: list[DayCountOut]


class RetentionOut(BaseModel):
    """Of a cohort's players whose day N has ended (`eligible`), those with an event on
    day N after their first day (`retained`), and the share."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"day": 7, "eligible": 120, "retained": 31, "share": 0.2583}]
        }
    )

    day: int
    eligible: int
    retained: int
    share: float | None


class CohortOut(BaseModel):
    """The players whose first day fell in one ISO week (within the range)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "week": "2026-11-02",
                    "new_players": 120,
                    "retention": [{"day": 1, "eligible": 120, "retained": 54, "share": 0.45}],
                }
            ]
        }
    )

    week: date
    new_players: int
    retention: list[RetentionOut]


class CohortsOut(BaseModel):
    """Weekly cohorts of new players and their retention on days 1, 7 and 30."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "range": _RANGE,
                    "data": [
                        {
                            "week": "2026-11-02",
                            "new_players": 120,
                            "retention": [
                                {"day": 1, "eligible": 120, "retained": 54, "share": 0.45}
                            ],
                        }
                    ],
                }
            ]
        }
    )

    range: RangeOut
    data: list[CohortOut]


class LevelCountOut(BaseModel):
    """Players at one level."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"level": 3, "players": 88}]})

    level: int
    players: int


class ProgressionOut(BaseModel):
    """Players per level of one currency's level curve."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"currency": "xp", "levels": [{"level": 1, "players": 240}]}]
        }
    )

    currency: str
    levels: list[LevelCountOut]


class LevelsOut(BaseModel):
    """Players per level, per currency with levels, as of `as_of`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-11-08T12:00:00Z",
                    "players": 240,
                    "progressions": [{"currency": "xp", "levels": [{"level": 1, "players": 240}]}],
                }
            ]
        }
    )

    as_of: datetime
    players: int
    progressions: list[ProgressionOut]


class BucketOut(BaseModel):
    """Players whose current streak length falls in a bucket (`2-3`, `101+`)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"length": "2-3", "players": 41}]})

    length: str
    players: int


class StreakLengthsOut(BaseModel):
    """Current lengths of one streak, bucketed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"streak": "daily", "buckets": [{"length": "0", "players": 199}]}]
        }
    )

    streak: str
    buckets: list[BucketOut]


class StreaksOut(BaseModel):
    """Current streak lengths, as of `as_of`: a streak not extended in time counts as 0."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-11-08T12:00:00Z",
                    "players": 240,
                    "streaks": [{"streak": "daily", "buckets": [{"length": "0", "players": 199}]}],
                }
            ]
        }
    )

    as_of: datetime
    players: int
    streaks: list[StreakLengthsOut]


class UnlockOut(BaseModel):
    """How many players hold an achievement (any tier, any period), and what share."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"achievement": "first-steps", "name": "First steps", "players": 180, "share": 0.75}
            ]
        }
    )

    achievement: str
    name: str
    players: int
    share: float | None


class AchievementsOut(BaseModel):
    """Achievement unlock rates, as of `as_of`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-11-08T12:00:00Z",
                    "players": 240,
                    "achievements": [
                        {
                            "achievement": "first-steps",
                            "name": "First steps",
                            "players": 180,
                            "share": 0.75,
                        }
                    ],
                }
            ]
        }
    )

    as_of: datetime
    players: int
    achievements: list[UnlockOut]


class StepOut(BaseModel):
    """A step of a quest's funnel: `started`, each `objective` reached, `completed`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "step": "objective",
                    "objective": "reviews",
                    "name": "20 reviews",
                    "target": 20,
                    "players": 64,
                }
            ]
        }
    )

    step: str
    objective: str | None = None
    name: str | None = None
    target: int | None = None
    players: int


class QuestFunnelOut(BaseModel):
    """Players who ever started a quest, reached each objective, and completed it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "quest": "daily-review",
                    "name": "Daily review",
                    "steps": [
                        {"step": "started", "players": 90},
                        {"step": "completed", "players": 40},
                    ],
                }
            ]
        }
    )

    quest: str
    name: str
    steps: list[StepOut]


class QuestsOut(BaseModel):
    """Quest completion funnels, as of `as_of`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-11-08T12:00:00Z",
                    "players": 240,
                    "quests": [
                        {
                            "quest": "daily-review",
                            "name": "Daily review",
                            "steps": [{"step": "started", "players": 90}],
                        }
                    ],
                }
            ]
        }
    )

    as_of: datetime
    players: int
    quests: list[QuestFunnelOut]
