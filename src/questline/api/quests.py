"""Quests: a player's (with progress per objective), joining one, and the catalog."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel
from sqlalchemy.orm import Session

from questline.api.http.context import Context
from questline.api.http.deps import (
    ContextDep,
    EventWriter,
    PlayerViewer,
    ReadSessionDep,
    SessionDep,
)
from questline.api.http.problems import problems
from questline.api.http.sessions import SessionRoute
from questline.api.inputs import Locale
from questline.api.mechanic_reads import current_design, localize, player_view, reading_locale
from questline.engine import quests
from questline.engine.mechanics import QuestPeriod
from questline.engine.mechanics_compiler import CompiledQuest
from questline.engine.periods import Period, zone
from questline.errors import Conflict, InvalidInput, NotFound
from questline.storage import mechanics
from questline.storage.players import find_player

router = APIRouter(tags=["quests"], route_class=SessionRoute)


# Examples of these models (with their nulls) are in api.http.openapi_examples.


class ObjectiveOut(BaseModel):
    """An objective of a quest and the player's progress on it."""

    metric: str
    name: str  # its own, else "<target> <the metric's description or key>"
    target: int
    progress: int
    percent: float


class QuestOut(BaseModel):
    """A quest of the catalog: when it runs, its objectives and its rewards."""

    id: str
    name: str | None
    description: str | None
    period: str
    join: bool
    duration_days: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    objectives: list[dict[str, Any]]
    rewards: dict[str, Any]


class PlayerQuestOut(BaseModel):
    """A quest as a player stands on it: its running instance and progress per objective."""

    id: str
    name: str | None
    description: str | None
    period: str
    instance: str | None  # the running instance (day, week, window), None if not running
    active: bool
    joined_at: datetime | None
    starts_at: datetime | None
    ends_at: datetime | None
    objectives: list[ObjectiveOut]
    completed: bool
    completed_at: datetime | None
    rewards: dict[str, Any]


class QuestList(BaseModel):
    """The quest catalog, secret quests left out."""

    data: list[QuestOut]
    next_cursor: str | None = None


class PlayerQuestList(BaseModel):
    """A player's quests, secret ones only once completed."""

    data: list[PlayerQuestOut]
    next_cursor: str | None = None


def _midnight(day: date, time_zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone(time_zone))


def _bounds(
    quest: CompiledQuest, today: date, joined_at: datetime | None, time_zone: str
) -> tuple[datetime | None, datetime | None]:
    spec = quest.spec
    if spec.period is QuestPeriod.DAY:
        return _midnight(today, time_zone), _midnight(today + timedelta(days=1), time_zone)
    if spec.period is QuestPeriod.WEEK:
        monday = today - timedelta(days=today.weekday())
        return _midnight(monday, time_zone), _midnight(monday + timedelta(days=7), time_zone)
    if spec.join:
        if joined_at is None:
            return None, None
        last = quests.expires_on(quest, joined_at, time_zone)
        return joined_at, _midnight(last + timedelta(days=1), time_zone)
    return spec.starts, spec.ends


@router.get("/v1/quests", summary="The quest catalog (secret ones are hidden)")
def list_quests(
    principal: PlayerViewer,
    session: ReadSessionDep,
    context: ContextDep,
    locale: Locale = None,
) -> QuestList:
    design = current_design(context, session, principal.app_id)
    default = design.design.default_locale
    locale = reading_locale(locale, None, default)
    return QuestList(
        data=[
            QuestOut(
                id=q.id,
                name=localize(q.spec.name, locale, default),
                description=localize(q.spec.description, locale, default),
                period=q.spec.period.value,
                join=q.spec.join,
                duration_days=q.spec.duration_days,
                starts_at=q.spec.starts,
                ends_at=q.spec.ends,
                objectives=[
                    {
                        "metric": o.metric,
                        "name": quests.objective_name(o, design.design.metrics, locale, default),
                        "target": o.target,
                    }
                    for o in q.spec.objectives
                ],
                rewards=q.spec.rewards.model_dump(exclude_defaults=True),
            )
            for q in design.quests
            if not q.spec.secret
        ]
    )


@router.get("/v1/players/{player_id}/quests", summary="A player's quests and their progress")
def player_quests(
    player_id: str,
    principal: PlayerViewer,
    session: ReadSessionDep,
    context: ContextDep,
    locale: Locale = None,
) -> PlayerQuestList:
    return read_player_quests(context, session, principal.app_id, player_id, locale)


def read_player_quests(
    context: Context, session: Session, app_id: int, player_id: str, locale: str | None
) -> PlayerQuestList:
    """A player's quests and their progress (the API's answer and the player pages')."""
    view = player_view(context, session, app_id, player_id)
    default = view.design.design.default_locale
    locale = reading_locale(locale, view.player.locale, default)
    time_zone = view.player.time_zone
    today = view.now.astimezone(zone(time_zone)).date()
    completions = mechanics.completions_of(session, view.player.id)
    found = []
    for quest in view.design.quests:
        joined_at = view.state.quest_joins.get(quest.id)
        running = quests.instance(quest, view.periods, view.now, time_zone, joined_at)
        # A window quest that ended still shows how far the player got.
        instance = running or (
            view.periods[Period.ALL] if quest.spec.period is QuestPeriod.WINDOW else None
        )
        progress = quests.progress_of(quest, view.state, instance) if instance else {}
        done_at = completions.get((quest.id, instance)) if instance else None
        if quest.spec.secret and done_at is None:
            continue
        starts_at, ends_at = _bounds(quest, today, joined_at, time_zone)
        found.append(
            PlayerQuestOut(
                id=quest.id,
                name=localize(quest.spec.name, locale, default),
                description=localize(quest.spec.description, locale, default),
                period=quest.spec.period.value,
                instance=running,
                active=running is not None and done_at is None,
                joined_at=joined_at,
                starts_at=starts_at,
                ends_at=ends_at,
                objectives=[
                    ObjectiveOut(
                        metric=o.metric,
                        name=quests.objective_name(o, view.design.design.metrics, locale, default),
                        target=o.target,
                        progress=min(progress.get(o.metric, 0), o.target),
                        percent=round(100 * min(progress.get(o.metric, 0), o.target) / o.target, 1),
                    )
                    for o in quest.spec.objectives
                ],
                completed=done_at is not None,
                completed_at=done_at,
                rewards=quest.spec.rewards.model_dump(exclude_defaults=True),
            )
        )
    return PlayerQuestList(data=found)


@router.post(
    "/v1/players/{player_id}/quests/{quest_id}/join",
    status_code=status.HTTP_201_CREATED,
    summary="Start a quest for a player (quests with `join: true`)",
    responses=problems(409),
)
def join_quest(
    player_id: str, quest_id: str, principal: EventWriter, session: SessionDep, context: ContextDep
) -> dict[str, Any]:
    design = current_design(context, session, principal.app_id)
    quest = next((q for q in design.quests if q.id == quest_id), None)
    if quest is None:
        raise NotFound(f"the game design has no quest '{quest_id}'")
    if not quest.spec.join:
        raise InvalidInput(
            f"quest '{quest_id}' runs for everyone; only quests with `join: true` are joined",
            errors=[{"loc": ["path", "quest_id"], "message": "this quest is not joined"}],
        )
    player = find_player(session, principal.app_id, player_id)
    if mechanics.has_joined(session, player.id, quest_id):
        raise Conflict(f"player '{player_id}' has already joined quest '{quest_id}'")
    now = datetime.now(UTC)
    mechanics.join(session, player.id, quest_id, now)
    last = quests.expires_on(quest, now, player.time_zone)
    return {
        "quest": quest_id,
        "player": player_id,
        "joined_at": now,
        "ends_at": _midnight(last + timedelta(days=1), player.time_zone),
    }
