"""Descriptions and examples of the API's models that do not carry their own, keyed by
the schema's component name (``openapi_docs`` fills them into the schema). A test fails
for a component that has neither."""

from __future__ import annotations

from typing import Any

from questline.api.http.effect_schemas import EFFECT_EXAMPLE
from questline.api.streaks import STREAK_EXAMPLE

_T = "2026-11-21T16:35:51Z"
_LEVEL = {
    "level": 3,
    "total": 520,
    "level_started_at": 400,
    "next_level_at": 900,
    "remaining": 380,
    "percent": 24.0,
}
_EFFECT = EFFECT_EXAMPLE
_ITEM = {
    "key": "squat",
    "kind": "exercise",
    "attributes": {"base_points": 10},
    "names": {"en": "Squat", "he": "סקוואט"},
    "active": True,
    "created_at": _T,
    "updated_at": _T,
}
_VERSION = {
    "version": 2,
    "created_at": _T,
    "created_by": "user:ada@example.com",
    "comment": "double XP weekend",
    "backfilled_at": _T,
    "dry_run": 7,
    "document": {"currencies": {"xp": {}}},
}
_LEDGER = {
    "id": 41,
    "currency": "xp",
    "amount": 85,
    "balance_after": 520,
    "cause": "rule",
    "cause_id": "attempt-xp",
    "event_id": "attempt-8812",
    "config_version": 2,
    "explanation": "item.xp * event.score / 100 = 100 * 85 / 100 = 85",
    "breakdown": {"item.xp": 100, "event.score": 85},
    "created_at": _T,
}
_KEY = {
    "id": 7,
    "name": "web backend",
    "prefix": "ql_sk_Xy3k9A",
    "scopes": ["events:write", "players:read"],
    "created_at": _T,
    "last_used_at": None,
    "expires_at": "2027-11-21T00:00:00Z",
    "revoked_at": None,
}
_AUDIT = {
    "id": 12,
    "at": _T,
    "actor": "user:ada@example.com",
    "action": "key.revoke",
    "target_type": "key",
    "target_id": "7",
    "before": {"revoked_at": None},
    "after": {"revoked_at": _T},
    "request_id": "d7a1c68d0e16448b9e2994a990c975f3",
}
_PLAYER_ACHIEVEMENT = {
    "id": "task-master",
    "name": "Task master",
    "description": "Complete tasks.",
    "category": "tasks",
    "icon": "checklist",
    "secret": False,
    "repeat": "once",
    "period": "all",
    "unlocked": False,
    "retired": False,
    "tiers": [
        {
            "tier": "bronze",
            "target": 10,
            "rewards": {"currencies": {"xp": 20}},
            "rarity": 0.25,
            "unlocked": False,
            "unlocked_at": None,
            "current": 3,
            "percent": 30.0,
        },
        {
            "tier": "silver",
            "target": 50,
            "rewards": {"currencies": {"xp": 100}},
            "rarity": 0.0,
            "unlocked": False,
            "unlocked_at": None,
            "current": 3,
            "percent": 6.0,
        },
    ],
}
_ACHIEVEMENT = {
    "id": "task-master",
    "name": "Task master",
    "description": "Complete tasks.",
    "category": "tasks",
    "icon": "checklist",
    "repeat": "once",
    "tiers": [
        {"tier": "bronze", "target": 10, "rewards": {"currencies": {"xp": 20}}, "rarity": 0.25},
        {"tier": "silver", "target": 50, "rewards": {"currencies": {"xp": 100}}, "rarity": 0.0},
    ],
}
_OBJECTIVE = {
    "metric": "focus_minutes",
    "name": "Focus for 5 hours",
    "target": 300,
    "progress": 30,
    "percent": 10.0,
}
_QUEST = {
    "id": "weekly-focus",
    "name": "Focused week",
    "description": None,
    "period": "week",
    "join": False,
    "duration_days": None,
    "starts_at": None,
    "ends_at": None,
    "objectives": [
        {"metric": "focus_minutes", "name": "Focus for 5 hours", "target": 300},
        {"metric": "tasks", "name": "15 tasks done", "target": 15},
    ],
    "rewards": {"currencies": {"xp": 100}},
}
_PLAYER_QUEST = {
    "id": "weekly-focus",
    "name": "Focused week",
    "description": None,
    "period": "week",
    "instance": "w:2026-W47",
    "active": True,
    "joined_at": None,
    "starts_at": "2026-11-16T00:00:00Z",
    "ends_at": "2026-11-23T00:00:00Z",
    "objectives": [
        _OBJECTIVE,
        {"metric": "tasks", "name": "15 tasks done", "target": 15, "progress": 3, "percent": 20.0},
    ],
    "completed": False,
    "completed_at": None,
    "rewards": {"currencies": {"xp": 100}},
}
_RUN = {
    "run": "2026-11-02",
    "starts_at": "2026-11-02T05:00:00Z",
    "ends_at": "2026-11-09T05:00:00Z",
    "final": True,
    "players": 2,
}
_RANK = {
    "board": "global_xp",
    "run": "all",
    "partition": None,
    "score": 50,
    "rank": 12,
    "position": 12,
    "percentile": 0.0,
    "players": 12,
}
PROBLEM_EXAMPLE = {
    "type": "urn:questline:problem:invalid_input",
    "title": "The request is not valid",
    "status": 422,
    "detail": "player: String should have at most 200 characters",
    "code": "invalid_input",
    "errors": [{"loc": ["player"], "message": "String should have at most 200 characters"}],
    "request_id": "d7a1c68d0e16448b9e2994a990c975f3",
}

_PLAYER_SCORE = {"name": "Reliability", "value": 12, "tier": "gold", "min": -5, "max": 20}

DOCS: dict[str, tuple[str, Any]] = {
    "AppSettings": ("", {"player_event_types": ["workout.logged"], "cors_origins": []}),
    "BatchIn": ("Up to 1,000 events at once.", {"events": [{"type": "did", "player": "ada"}]}),
    "BatchItemResult": (
        "What became of one event of a batch.",
        {
            "index": 0,
            "id": "e-1",
            "status": "pending",
            "duplicate": False,
            "effects": None,
            "error": None,
        },
    ),
    "BatchResult": (
        "What became of each event of a batch, in order.",
        {
            "accepted": 1,
            "duplicates": 0,
            "rejected": 0,
            "results": [{"index": 0, "id": "e-1", "status": "pending", "duplicate": False}],
        },
    ),
    "ConfigVersionList": (
        "Published versions, newest first.",
        {"data": [_VERSION], "next_cursor": None},
    ),
    "ConfigVersionOut": ("One published version of the game design.", _VERSION),
    "CurrencyOut": (
        "A player's balance in one currency, and their level if it has a curve.",
        {"balance": 520, "earned": 520, "level": _LEVEL},
    ),
    "EventAccepted": (
        "The event is stored; with `wait=true`, also processed, with its effects.",
        {
            "id": "attempt-8812",
            "status": "processed",
            "duplicate": False,
            "received_at": _T,
            "effects": [_EFFECT],
            "error": None,
        },
    ),
    "EventIn": ("Something a player did.", None),
    "Effect": ("One thing an event did; `kind` says which.", EFFECT_EXAMPLE),
    "EventOut": (
        "An event as stored, its processing status and its effects.",
        {
            "id": "attempt-8812",
            "type": "attempt.submitted",
            "player": "ada",
            "time": _T,
            "received_at": _T,
            "time_zone": "Europe/London",
            "properties": {"score": 85},
            "item": "sql-basics",
            "status": "processed",
            "processed_at": _T,
            "config_version": 2,
            "effects": [_EFFECT],
            "error": None,
        },
    ),
    "ExportedProfile": (
        "The player's profile as held.",
        {
            "id": "zoe",
            "display_name": "Zoe",
            "avatar_url": None,
            "time_zone": "Europe/Paris",
            "locale": "fr",
            "attributes": {},
            "created_at": _T,
            "updated_at": _T,
        },
    ),
    "ItemIn": ("A new catalog item.", None),
    "KeyOut": ("", _KEY),
    "KeyCreated": ("", {**_KEY, "secret": "ql_sk_Xy3k9A…"}),
    "KeyList": ("", {"data": [_KEY], "next_cursor": None}),
    "AuditPage": ("", {"data": [_AUDIT], "next_cursor": None}),
    "MemberList": (
        "",
        {
            "data": [{"email": "ada@example.com", "role": "owner", "created_at": _T}],
            "next_cursor": None,
        },
    ),
    "ItemList": ("Catalog items, oldest first.", {"data": [_ITEM], "next_cursor": None}),
    "ItemOut": ("A catalog item.", _ITEM),
    "ItemPatch": ("Fields to change; omitted ones keep their value.", {"active": False}),
    "LedgerEntryOut": ("One balance change and how it was computed.", _LEDGER),
    "LedgerPage": ("Balance changes, newest first.", {"data": [_LEDGER], "next_cursor": None}),
    "LevelOut": ("Progress along a currency's level curve.", _LEVEL),
    "MetricOut": (
        "A metric's value today, this week and all time.",
        {"today": 2, "week": 9, "all": 31},
    ),
    "PlayerOut": (
        "A player's balances, levels and metrics.",
        {
            "id": "ada",
            "display_name": "Ada",
            "avatar_url": "https://cdn.example.com/avatars/ada.png",
            "time_zone": "Europe/London",
            "locale": "en",
            "created_at": _T,
            "currencies": {"xp": {"balance": 520, "earned": 520, "level": _LEVEL}},
            "metrics": {"passed": {"today": 1, "week": 3, "all": 12}},
            "scores": {"reputation": _PLAYER_SCORE},
        },
    ),
    "PlayerScoreOut": ("", _PLAYER_SCORE),
    "ProfileIn": (
        "Optional profile fields to set on the player with this event.",
        {
            "name": "Ada",
            "time_zone": "Europe/London",
            "locale": "en",
            "avatar_url": "https://cdn.example.com/avatars/ada.png",
        },
    ),
    "Problem": ("An RFC 9457 problem: what went wrong, and where.", PROBLEM_EXAMPLE),
    "Readiness": (
        "",
        {"status": "ok", "checks": {"database": {"status": "ok", "dialect": "postgresql"}}},
    ),
    "Role": ("A console user's role in an app.", "editor"),
    "RollbackIn": ("The version to publish again.", {"version": 1, "comment": "undo"}),
    "Scope": ("What an API key may do.", "events:write"),
    "ValidationResult": (
        "The design compiles; what it declares, and what publishing it would change.",
        {
            "valid": True,
            "currencies": ["xp"],
            "metrics": ["passed"],
            "rules": ["attempt-xp"],
            "current_version": None,
            "diff": None,
        },
    ),
    "AchievementList": ("", {"data": [_ACHIEVEMENT], "next_cursor": None}),
    "PlayerAchievementOut": ("", _PLAYER_ACHIEVEMENT),
    "PlayerAchievementList": ("", {"data": [_PLAYER_ACHIEVEMENT], "next_cursor": None}),
    "StreakList": ("", {"data": [STREAK_EXAMPLE], "next_cursor": None}),
    "ObjectiveOut": ("", _OBJECTIVE),
    "QuestOut": ("", _QUEST),
    "QuestList": ("", {"data": [_QUEST], "next_cursor": None}),
    "ScoreList": (
        "A player's scores, in the design's order.",
        {
            "data": [
                {
                    "key": "reputation",
                    "name": "Reliability",
                    "player": "eve",
                    "value": 12,
                    "tier": "green",
                    "min": -5,
                    "max": 20,
                    "components": {"metric.completed": 12, "metric.no_shows": 0, "formula": 12},
                    "config_version": 3,
                    "computed_at": _T,
                }
            ]
        },
    ),
    "PlayerQuestOut": ("", _PLAYER_QUEST),
    "PlayerQuestList": ("", {"data": [_PLAYER_QUEST], "next_cursor": None}),
    "BoardPage": (
        "",
        {
            "board": "global_xp",
            "name": "Global XP",
            "rank_by": "currency.xp",
            "ranking": "competition",
            "run": "all",
            "starts_at": None,
            "ends_at": None,
            "final": False,
            "partition": None,
            "data": [
                {
                    "player": "p11",
                    "display_name": "Ada",
                    "avatar_url": "https://cdn.example.com/avatars/p11.png",
                    "score": 61,
                    "rank": 1,
                    "position": 1,
                },
                {
                    "player": "p10",
                    "display_name": None,
                    "avatar_url": None,
                    "score": 60,
                    "rank": 2,
                    "position": 2,
                },
            ],
            "total": None,
            "next_cursor": "Mg",
        },
    ),
    "RunList": ("", {"data": [_RUN], "next_cursor": None}),
    "RankOut": ("", _RANK),
    "RankList": ("", {"data": [_RANK]}),
}
