"""Descriptions and examples of the game design's models in the OpenAPI schema, where
clients' generators find them as components of their own.

The examples are not written per model: one example design is validated as a publish
would, and each model's example is the part of it that model read, so every example is
a real, valid piece of a design.
"""

from __future__ import annotations

from enum import Enum
from functools import cache
from typing import Any

from pydantic import BaseModel

from questline.engine.design import GameDesign

EXAMPLE_DESIGN: dict[str, Any] = {
    "name": "Language",
    "description": "Lessons earn XP and gems; a streak, quests, badges, leagues and a shop.",
    "modules": ["learning", "social"],
    "currencies": {
        "xp": {"name": "XP", "levels": {"formula": "floor(sqrt(total / 50)) + 1"}},
        "gems": {"name": "Gems", "spendable": True, "rounding": "floor", "daily_cap": 100},
        "reputation": {"name": "Reputation", "min": 1},
    },
    "metrics": {
        "lessons": {"description": "lessons passed", "count": "lesson.completed"},
        "practice_days": {"description": "days with a lesson", "active_days": "*"},
    },
    "rules": [
        {
            "id": "lesson-xp",
            "name": "XP for a passed lesson",
            "on": "lesson.completed",
            "award": {"xp": "default(event.xp, 10)"},
            "multiply": [{"name": "Hard lesson", "when": "event.hard == true", "by": 2}],
            "add": [{"name": "Perfect", "when": "event.perfect == true", "amount": 5}],
            "limit": {"times": 50, "max": 1000, "per": "day"},
        },
        {
            "id": "course-gems",
            "name": "Gems for a finished course",
            "on": "course.completed",
            "award": {"gems": 50},
            "exempt_from_daily_cap": True,
        },
    ],
    "streaks": {
        "practice": {
            "name": "Daily practice",
            "on": ["lesson.completed"],
            "when": "metric.lessons.today >= 1",
            "period": "day",
            "freezes": {"max": 2, "initial": 1, "grant_every": 7},
        }
    },
    "achievements": [
        {"id": "first-lesson", "name": "First steps", "when": "metric.lessons >= 1"},
        {
            "id": "scholar",
            "name": "Scholar",
            "progress": "metric.lessons",
            "tiers": [
                {"name": "bronze", "target": 10, "rewards": {"currencies": {"gems": 20}}},
                {"name": "silver", "target": 50, "rewards": {"currencies": {"gems": 50}}},
            ],
        },
        {
            "id": "regular",
            "count": {"on": "lesson.completed", "where": "event.score >= 90"},
            "target": 5,
            "repeat": "week",
        },
        {"id": "all-round", "n_of": {"n": 1, "of": ["first-lesson", "scholar"]}},
    ],
    "quests": [
        {
            "id": "weekly-lessons",
            "name": "Pass 10 lessons this week",
            "period": "week",
            "objectives": [{"metric": "lessons", "target": 10}],
            "rewards": {"currencies": {"gems": 25}},
        }
    ],
    "scores": {
        "reliability": {
            "formula": "metric.practice_days",
            "min": 0,
            "max": 20,
            "tiers": [{"name": "gold", "min": 10}, {"name": "green"}],
        }
    },
    "leaderboards": {
        "weekly_xp": {
            "name": "Weekly XP",
            "rank_by": "currency.xp",
            "period": "week",
            "ranking": "competition",
            "week_starts": "monday",
        }
    },
    "leagues": {
        "rank_by": "currency.xp",
        "group_size": 30,
        "tiers": [{"name": "bronze", "promote": 10, "demote": 0}, {"name": "silver", "promote": 0}],
    },
    "notifications": {
        "effects": {"level_reached": {"push": True, "title": "Level {level}!"}},
        "reminders": {"streak_at_risk": {"hour": 20}},
    },
    "activity": {"effects": {"level_reached": {"public": True}}},
    "boosts": {
        "double-xp": {"name": "Double XP", "multiply": {"xp": 2}, "duration_minutes": 15},
    },
    "shop": {
        "items": {"golden-owl": {"name": "Golden owl", "category": "cosmetics", "max": 1}},
        "offers": [
            {
                "id": "golden-owl",
                "price": {"gems": 200},
                "gives": {"items": {"golden-owl": 1}},
                "limit": {"per_day": 1},
            }
        ],
    },
}

# For the models whose class has no docstring of its own.
DESCRIPTIONS: dict[str, str] = {
    "GameDesign": "An app's game design: what a publish (`PUT /v1/config`) takes.",
    "Currency": (
        "A currency (xp, points, gems): bounds (a `min` above 0 is where balances start),"
        " rounding, daily cap, level curve."
    ),
    "Rounding": "How an award with a fraction becomes a whole amount.",
    "Multiplier": "A factor a rule's award is multiplied by when its condition holds.",
    "Bonus": "An amount added to a rule's award when its condition holds.",
    "LimitPeriod": "The period a rule's limit counts in.",
    "RuleLimit": "How often a rule may fire and how much it may award, per period.",
    "Rule": "On an event type, when a condition holds, award amounts of currencies.",
    "Achievement": "A badge: one condition, a target or tiers, rewards; once or per period.",
    "AchievementTier": "One tier of a tiered achievement: its target and rewards.",
    "NOfM": "Any `n` of the listed achievements.",
    "Repeat": "Whether an achievement is earned once or again each period.",
    "StreakPeriod": "The period a streak counts in, in the player's time zone.",
    "Freezes": "How many streak freezes a player holds, starts with and is given.",
    "Streak": "Consecutive periods with qualifying activity.",
    "ScoreTier": "A named tier of a score, from a minimum value.",
    "Score": "A bounded formula with named tiers (reputation, reliability).",
    "QuestPeriod": "The period a quest runs for.",
    "QuestObjective": "A metric a quest needs and its target.",
    "Quest": "A time-boxed set of objectives with rewards.",
    "BoardPeriod": "The period a leaderboard ranks over.",
    "Ranking": "How ties share ranks on a leaderboard.",
    "Weekday": "A day of the week.",
    "Tier": "One tier of a league: how many are promoted and demoted each week.",
    "Reminders": "Reminders the server sends on its own.",
    "NotificationsSpec": "Which effects notify players, and their words.",
    "ActivitySpec": "The public activity feed: which effects appear, and their words.",
    "Offer": "Something the shop sells: its price, what it gives and its limits.",
    "Shop": "The items players can hold and the offers that sell them.",
}


@cache
def design_docs() -> dict[str, tuple[str, Any]]:
    """Each design model's description and example, by component name."""
    return model_docs(GameDesign.model_validate(EXAMPLE_DESIGN), DESCRIPTIONS)


def model_docs(example: BaseModel, descriptions: dict[str, str]) -> dict[str, tuple[str, Any]]:
    """The description and example of `example`'s model and of every model within it (a
    module documents its own documents' models this way)."""
    found: dict[str, Any] = {}
    _collect(example, found)
    return {name: (descriptions.get(name, ""), value) for name, value in found.items()}


def _collect(value: Any, found: dict[str, Any]) -> None:
    if isinstance(value, BaseModel):
        name = type(value).__name__
        if name not in found:
            found[name] = value.model_dump(mode="json", exclude_unset=True, by_alias=True)
        for field in type(value).model_fields:
            _collect(getattr(value, field), found)
    elif isinstance(value, Enum):
        found.setdefault(type(value).__name__, value.value)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, found)
