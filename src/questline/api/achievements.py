"""Achievements: a player's (with progress), the catalog, and the backfill job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from pydantic.config import JsonDict
from sqlalchemy.orm import Session

from questline.api.http.context import Context
from questline.api.http.deps import ConfigWriter, ContextDep, PlayerViewer, ReadSessionDep
from questline.api.http.sessions import SessionRoute
from questline.api.inputs import Locale
from questline.api.mechanic_reads import current_design, localize, player_view, reading_locale
from questline.engine import achievements
from questline.engine.mechanics import Rewards
from questline.processing.backfill import backfill_achievements
from questline.storage import mechanics

router = APIRouter(tags=["achievements"], route_class=SessionRoute)


# Examples of a player's achievements and of the lists (with their nulls) are in
# api.http.openapi_examples.
_BRONZE: JsonDict = {
    "tier": "bronze",
    "target": 10,
    "rewards": {"currencies": {"xp": 20}},
    "rarity": 0.25,
}
_SILVER: JsonDict = {
    "tier": "silver",
    "target": 50,
    "rewards": {"currencies": {"xp": 100}},
    "rarity": 0.0,
}


class TierOut(BaseModel):
    """A tier of an achievement: its target, its rewards and how rare it is."""

    model_config = ConfigDict(json_schema_extra={"examples": [_BRONZE]})

    tier: str | None
    target: int
    rewards: dict[str, Any]
    rarity: float  # share of the app's players who hold it, 0–1


class PlayerTierOut(TierOut):
    """A tier of an achievement and the player's progress towards it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_BRONZE,
                    "unlocked": True,
                    "unlocked_at": "2026-11-19T18:04:12Z",
                    "current": 10,
                    "percent": 100.0,
                }
            ]
        }
    )

    unlocked: bool
    unlocked_at: datetime | None
    current: int
    percent: float


class AchievementOut(BaseModel):
    """An achievement of the catalog, with its tiers."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "task-master",
                    "name": "Task master",
                    "description": "Complete tasks.",
                    "category": "tasks",
                    "icon": "checklist",
                    "repeat": "once",
                    "tiers": [_BRONZE, _SILVER],
                }
            ]
        }
    )

    id: str
    name: str | None
    description: str | None
    category: str | None
    icon: str | None
    repeat: str
    tiers: list[TierOut]


class PlayerAchievementOut(BaseModel):
    """An achievement as a player stands on it: unlocked, or progress per tier."""

    id: str
    name: str | None
    description: str | None
    category: str | None
    icon: str | None
    secret: bool
    repeat: str
    period: str
    unlocked: bool
    retired: bool  # awarded under an earlier design that no longer has it
    tiers: list[PlayerTierOut]


class AchievementList(BaseModel):
    """The achievement catalog, secret achievements left out."""

    data: list[AchievementOut]
    next_cursor: str | None = None


class PlayerAchievementList(BaseModel):
    """A player's achievements: every one of the design, then any retired ones they hold."""

    data: list[PlayerAchievementOut]
    next_cursor: str | None = None


class BackfillOut(BaseModel):
    """What a backfill did: the design version it used, players checked, tiers awarded."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"config_version": 2, "players": 2, "awarded": 1}]}
    )

    config_version: int | None
    players: int
    awarded: int


def _rewards(tier_rewards: Rewards) -> dict[str, Any]:
    dumped: dict[str, Any] = tier_rewards.model_dump(exclude_defaults=True)
    return dumped


@router.get("/v1/achievements", summary="The achievement catalog (secret ones are hidden)")
def list_achievements(
    principal: PlayerViewer,
    session: ReadSessionDep,
    context: ContextDep,
    locale: Locale = None,
) -> AchievementList:
    design = current_design(context, session, principal.app_id)
    default = design.design.default_locale
    locale = reading_locale(locale, None, default)
    rarity = context.rarity.get(session, principal.app_id)
    return AchievementList(
        data=[
            AchievementOut(
                id=a.id,
                name=localize(a.spec.name, locale, default),
                description=localize(a.spec.description, locale, default),
                category=a.spec.category,
                icon=a.spec.icon,
                repeat=a.spec.repeat.value,
                tiers=[
                    TierOut(
                        tier=t.name or None,
                        target=t.target,
                        rewards=_rewards(t.rewards),
                        rarity=rarity.get((a.id, t.name), 0.0),
                    )
                    for t in a.tiers
                ],
            )
            for a in design.achievements
            if not a.spec.secret
        ]
    )


@router.get(
    "/v1/players/{player_id}/achievements",
    summary="A player's achievements: unlocked ones, and progress towards the rest",
)
def player_achievements(
    player_id: str,
    principal: PlayerViewer,
    session: ReadSessionDep,
    context: ContextDep,
    locale: Locale = None,
) -> PlayerAchievementList:
    return read_player_achievements(context, session, principal.app_id, player_id, locale)


def read_player_achievements(
    context: Context, session: Session, app_id: int, player_id: str, locale: str | None
) -> PlayerAchievementList:
    """A player's achievements: unlocked, progress towards the rest, secret ones hidden
    until unlocked, then any retired ones they hold (the API's answer and the pages')."""
    view = player_view(context, session, app_id, player_id)
    default = view.design.design.default_locale
    locale = reading_locale(locale, view.player.locale, default)
    rarity = context.rarity.get(session, app_id)
    awards = mechanics.awards_of(session, view.player.id)
    awarded_at = {(a, t, p): at for a, t, p, at in awards}
    found: list[PlayerAchievementOut] = []
    for achievement in view.design.achievements:
        period = achievements.award_period(achievement, view.periods)
        tiers = [
            PlayerTierOut(
                tier=progress.tier,
                target=progress.target,
                rewards=_rewards(tier.rewards),
                rarity=rarity.get((achievement.id, tier.name), 0.0),
                unlocked=progress.unlocked,
                unlocked_at=awarded_at.get((achievement.id, tier.name, period)),
                current=progress.current,
                percent=progress.percent,
            )
            for progress, tier in zip(
                achievements.progress(achievement, view.state_view), achievement.tiers, strict=True
            )
        ]
        unlocked = any(t.unlocked for t in tiers)
        if achievement.spec.secret and not unlocked:
            continue
        found.append(
            PlayerAchievementOut(
                id=achievement.id,
                name=localize(achievement.spec.name, locale, default),
                description=localize(achievement.spec.description, locale, default),
                category=achievement.spec.category,
                icon=achievement.spec.icon,
                secret=achievement.spec.secret,
                repeat=achievement.spec.repeat.value,
                period=period,
                unlocked=unlocked,
                retired=False,
                tiers=tiers,
            )
        )
    # Nothing awarded disappears: achievements a newer design dropped are still shown.
    known = {a.id for a in view.design.achievements}
    retired: dict[str, list[PlayerTierOut]] = {}
    for achievement_id, tier_name, _period, at in awards:
        if achievement_id in known:
            continue
        retired.setdefault(achievement_id, []).append(
            PlayerTierOut(
                tier=tier_name or None,
                target=0,
                rewards={},
                rarity=rarity.get((achievement_id, tier_name), 0.0),
                unlocked=True,
                unlocked_at=at,
                current=0,
                percent=100.0,
            )
        )
    for achievement_id, tiers in retired.items():
        found.append(
            PlayerAchievementOut(
                id=achievement_id,
                name=None,
                description=None,
                category=None,
                icon=None,
                secret=False,
                repeat="once",
                period="all",
                unlocked=True,
                retired=True,
                tiers=tiers,
            )
        )
    return PlayerAchievementList(data=found)


@router.post(
    "/v1/achievements/backfill",
    summary="Award achievements players already qualify for under the current design",
)
def backfill(principal: ConfigWriter, context: ContextDep) -> BackfillOut:
    report = backfill_achievements(
        context.database, context.designs, principal.app_id, context.worker.project
    )
    context.rarity.invalidate([principal.app_id])
    context.scores.invalidate(report.rewarded)  # rewards can move a score's inputs
    return BackfillOut(
        config_version=report.config_version, players=report.players, awarded=report.awarded
    )
