"""A player's streaks, and an administrator's restore of a broken one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from questline.api.deps import (
    ContextDep,
    CurrentKey,
    PlayerReader,
    Principal,
    ReaderDep,
    SessionDep,
)
from questline.api.mechanic_reads import current_design, find_player, localize, player_view
from questline.audit_trail import record_admin_action
from questline.auth.keys import Scope
from questline.engine import streaks
from questline.engine.mechanics_compiler import CompiledStreak
from questline.engine.state import StreakState
from questline.errors import Conflict, NotFound
from questline.processing.mechanics_rows import streak_from_row, upsert_streaks
from questline.storage.bulk import BulkWriter
from questline.storage.database import after_commit
from questline.storage.models import StreakFreezeUse, StreakRow

router = APIRouter(tags=["streaks"])


def _admin(principal: CurrentKey) -> Principal:
    principal.require(Scope.ADMIN)
    return principal


Admin = Annotated[Principal, Depends(_admin)]


class FreezeUseOut(BaseModel):
    covered: date
    used_at: datetime


class StreakOut(BaseModel):
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
    statement = (
        select(StreakFreezeUse.key, StreakFreezeUse.covered, StreakFreezeUse.used_at)
        .where(StreakFreezeUse.player_id == player_id)
        .order_by(StreakFreezeUse.covered.desc())
    )
    if key is not None:
        statement = statement.where(StreakFreezeUse.key == key)
    found: dict[str, list[FreezeUseOut]] = {}
    for streak_key, covered, used_at in session.execute(statement):
        uses = found.setdefault(streak_key, [])
        if len(uses) < 30:
            uses.append(FreezeUseOut(covered=covered, used_at=used_at))
    return found


@router.get("/v1/players/{player_id}/streaks", summary="A player's streaks, as they stand now")
def player_streaks(
    player_id: str, principal: PlayerReader, session: ReaderDep, context: ContextDep
) -> StreakList:
    view = player_view(context, session, principal.app_id, player_id)
    uses = _freeze_uses(session, view.player.id, None)
    return StreakList(
        data=[
            _out(
                streak,
                view.state.streak(streak.key),
                view.now,
                view.player.time_zone,
                view.player.locale,
                uses.get(streak.key, []),
            )
            for streak in view.design.streaks
        ]
    )


@router.post(
    "/v1/players/{player_id}/streaks/{key}/restore",
    summary="Undo the last break of a streak (administrators; audited)",
)
def restore_streak(
    player_id: str, key: str, principal: Admin, session: SessionDep, context: ContextDep
) -> StreakOut:
    design = current_design(context, session, principal.app_id)
    streak = next((s for s in design.streaks if s.key == key), None)
    if streak is None:
        raise NotFound(f"the game design has no streak '{key}'")
    player = find_player(session, principal.app_id, player_id)
    lock = select(StreakRow).where(StreakRow.player_id == player.id, StreakRow.key == key)
    if session.get_bind().dialect.name == "postgresql":
        lock = lock.with_for_update()
    row = session.scalars(lock).one_or_none()
    if row is None:
        raise Conflict(f"player '{player_id}' has never had a '{key}' streak to restore")
    held = streak_from_row(
        (
            row.current,
            row.longest,
            row.started_on,
            row.last_on,
            row.last_zone,
            row.freezes,
            row.since_grant,
            row.broken_length,
            row.broken_started_on,
        )
    )
    try:
        restored = streaks.restore(held)
    except streaks.NothingToRestore as error:
        raise Conflict(f"streak '{key}' of player '{player_id}': {error}") from None
    session.expunge(row)
    upsert_streaks(BulkWriter(session), [(player.id, key, restored)])
    record_admin_action(
        session,
        app_id=principal.app_id,
        actor=f"key:{principal.key_name}",
        action="streak.restore",
        target=f"player:{player_id}/streak:{key}",
        before={"current": held.current, "broken_length": held.broken_length},
        after={"current": restored.current},
    )
    after_commit(session, lambda: context.scores.invalidate([player.id]))
    uses = _freeze_uses(session, player.id, key)
    now = datetime.now(UTC)
    return _out(streak, restored, now, player.time_zone, player.locale, uses.get(key, []))
