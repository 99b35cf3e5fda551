"""A player's streaks, an administrator's restore of a broken one, and freezes granted
by the host app."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict
from sqlalchemy.orm import Session

from questline.api.http.context import Context
from questline.api.http.deps import (
    ContextDep,
    EventWriter,
    PlayerManager,
    PlayerViewer,
    ReadSessionDep,
    SessionDep,
)
from questline.api.http.problems import problems
from questline.api.http.sessions import SessionRoute
from questline.api.mechanic_reads import current_design, localize
from questline.auth.principals import Principal
from questline.engine import streaks
from questline.engine.compiler import CompiledDesign
from questline.engine.mechanics_compiler import CompiledStreak
from questline.engine.state import StreakState
from questline.errors import Conflict, InvalidInput, NotFound
from questline.processing import streak_changes
from questline.processing.mechanics_rows import load_streaks
from questline.storage import audit, mechanics
from questline.storage.bulk import BulkWriter
from questline.storage.database import after_commit
from questline.storage.models import Player
from questline.storage.players import PlayerRow, find_player

router = APIRouter(tags=["streaks"], route_class=SessionRoute)


# The example of the list (with its null) is in api.http.openapi_examples, built from this one.
_FREEZE_USE: JsonDict = {"covered": "2026-11-17", "used_at": "2026-11-18T07:02:11Z"}
STREAK_EXAMPLE: JsonDict = {
    "key": "focus",
    "name": "Daily focus",
    "period": "day",
    "current": 4,
    "longest": 9,
    "started_on": "2026-11-18",
    "last_period": "2026-11-21",
    "today_done": False,
    "at_risk": True,
    "ends_at": "2026-11-23T00:00:00+01:00",
    "freezes": 0,
    "freezes_max": 2,
    "freezes_needed": 0,
    "freezes_used": [_FREEZE_USE],
}


class FreezeUseOut(BaseModel):
    """A freeze that stood in for a missed period of a streak."""

    model_config = ConfigDict(json_schema_extra={"examples": [_FREEZE_USE]})

    covered: date
    used_at: datetime


class StreakOut(BaseModel):
    """A player's streak as it stands now, in their time zone, with its freezes."""

    model_config = ConfigDict(json_schema_extra={"examples": [STREAK_EXAMPLE]})

    key: str
    name: str | None
    period: str
    current: int
    longest: int
    started_on: date | None
    last_period: date | None
    today_done: bool
    at_risk: bool
    ends_at: datetime | None
    freezes: int
    freezes_max: int
    freezes_needed: int
    freezes_used: list[FreezeUseOut]


class StreakList(BaseModel):
    """A player's streaks, one for each streak of the design."""

    data: list[StreakOut]
    next_cursor: str | None = None


def _out(
    streak: CompiledStreak,
    held: StreakState,
    now: datetime,
    zone: str,
    locale: str | None,
    used: list[FreezeUseOut],
) -> StreakOut:
    status = streaks.status(streak, held, now, zone)
    return StreakOut(
        key=streak.key,
        name=localize(streak.spec.name, locale),
        period=streak.spec.period.value,
        current=status.current,
        longest=status.longest,
        started_on=status.started_on,
        last_period=status.last_period,
        today_done=status.today_done,
        at_risk=status.at_risk,
        ends_at=status.ends_at,
        freezes=status.freezes,
        freezes_max=status.freezes_max,
        freezes_needed=status.freezes_needed,
        freezes_used=used,
    )


def _freeze_uses(
    session: Session, player_id: int, key: str | None
) -> dict[str, list[FreezeUseOut]]:
    return {
        streak: [FreezeUseOut(covered=covered, used_at=used_at) for covered, used_at in uses]
        for streak, uses in mechanics.freeze_uses(session, player_id, key).items()
    }


@router.get("/v1/players/{player_id}/streaks", summary="A player's streaks, as they stand now")
def player_streaks(
    player_id: str, principal: PlayerViewer, session: ReadSessionDep, context: ContextDep
) -> StreakList:
    return read_player_streaks(context, session, principal.app_id, player_id)


def read_player_streaks(
    context: Context, session: Session, app_id: int, player_id: str
) -> StreakList:
    """A player's streaks as they stand now (the API's answer and the player pages')."""
    player = find_player(session, app_id, player_id)
    design = current_design(context, session, app_id)
    return StreakList(data=streaks_of(session, design, player, datetime.now(UTC)))


def streaks_of(
    session: Session, design: CompiledDesign, player: Player | PlayerRow, now: datetime
) -> list[StreakOut]:
    """`read_player_streaks` for a player already found: their streak rows and freezes,
    and nothing else of their state."""
    if not design.streaks:
        return []
    held = load_streaks(BulkWriter(session), player.id)
    uses = _freeze_uses(session, player.id, None)
    return [
        _out(
            streak,
            held.get(streak.key) or StreakState(),
            now,
            player.time_zone,
            player.locale,
            uses.get(streak.key, []),
        )
        for streak in design.streaks
    ]


def _streak(context: Context, session: Session, app_id: int, key: str) -> CompiledStreak:
    design = current_design(context, session, app_id)
    streak = next((s for s in design.streaks if s.key == key), None)
    if streak is None:
        raise NotFound(f"the game design has no streak '{key}'")
    return streak


class RestoreIn(BaseModel):
    """Why a streak's break is undone, for the audit log."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "outage on 2026-11-20"}]}
    )

    reason: str | None = Field(
        default=None, min_length=1, max_length=200, description="why, for the audit log"
    )


@router.post(
    "/v1/players/{player_id}/streaks/{key}/restore",
    summary="Undo the last break of a streak (administrators; audited)",
    responses=problems(409),
)
def restore_streak(
    player_id: str,
    key: str,
    principal: PlayerManager,
    session: SessionDep,
    context: ContextDep,
    body: RestoreIn | None = None,
) -> StreakOut:
    reason = body.reason if body is not None else None
    return restore(context, session, principal, player_id, key, reason)


def restore(
    context: Context,
    session: Session,
    principal: Principal,
    player_id: str,
    key: str,
    reason: str | None = None,
) -> StreakOut:
    """Undo the last break of a player's streak, audited with the reason given (the API's
    and the console's)."""
    streak = _streak(context, session, principal.app_id, key)
    player = find_player(session, principal.app_id, player_id)
    try:
        held, restored = streak_changes.restore(session, player.id, key)
    except streaks.NothingToRestore as error:
        raise Conflict(f"streak '{key}' of player '{player_id}': {error}") from None
    audit.record(
        session,
        principal,
        "streak.restore",
        "streak",
        f"{player_id}/{key}",
        before={"current": held.current, "broken_length": held.broken_length},
        after={"current": restored.current} | ({"reason": reason} if reason else {}),
    )
    after_commit(session, lambda: context.scores.invalidate([player.id]))
    uses = _freeze_uses(session, player.id, key)
    now = datetime.now(UTC)
    return _out(streak, restored, now, player.time_zone, player.locale, uses.get(key, []))


class FreezeGrantIn(BaseModel):
    """Streak freezes to give a player, and why."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"count": 1, "reason": "purchase"}]}
    )

    count: int = Field(
        strict=True, ge=1, le=1000, description="freezes to add (never above the maximum)"
    )
    reason: str = Field(default="purchase", min_length=1, max_length=200)


@router.post(
    "/v1/players/{player_id}/streaks/{key}/freezes",
    summary="Give a player streak freezes (a purchase, a gift), up to the maximum",
)
def grant_freezes(
    player_id: str,
    key: str,
    body: FreezeGrantIn,
    principal: EventWriter,
    session: SessionDep,
    context: ContextDep,
) -> StreakOut:
    return give_freezes(context, session, principal, player_id, key, body)


def give_freezes(
    context: Context,
    session: Session,
    principal: Principal,
    player_id: str,
    key: str,
    body: FreezeGrantIn,
) -> StreakOut:
    """Give a player freezes of a streak, up to its maximum, audited (the API's and the
    console's)."""
    streak = _streak(context, session, principal.app_id, key)
    if streak.spec.freezes is None:
        raise InvalidInput(
            f"streak '{key}' has no freezes in the game design",
            errors=[{"loc": ["path", "key"], "message": "this streak has no freezes"}],
        )
    player = find_player(session, principal.app_id, player_id)
    added, after = streak_changes.grant_freezes(session, player.id, streak, body.count, body.reason)
    audit.record(
        session,
        principal,
        "streak.freezes.grant",
        "streak",
        f"{player_id}/{key}",
        before={"freezes": after.freezes - added},
        after={"freezes": after.freezes, "reason": body.reason},
    )
    uses = _freeze_uses(session, player.id, key)
    now = datetime.now(UTC)
    return _out(streak, after, now, player.time_zone, player.locale, uses.get(key, []))
