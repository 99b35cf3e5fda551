"""A player's data on request: everything held about them, and erasure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from questline.api.http.context import Context
from questline.api.http.deps import Authorized, ContextDep, ReadSessionDep, SessionDep
from questline.api.http.sessions import SessionRoute
from questline.auth.principals import Principal
from questline.errors import UnknownPlayer
from questline.leaderboards.sql import SqlLeaderboardStore
from questline.leaderboards.visibility import set_hidden
from questline.storage import audit
from questline.storage.players import find_player
from questline.storage.privacy import erase_player, export_player, lock_player

router = APIRouter(prefix="/v1/players", tags=["privacy"], route_class=SessionRoute)
PlayerId = Annotated[str, Path(min_length=1, max_length=200, description="the host app's id")]


class ExportedProfile(BaseModel):
    id: str
    display_name: str | None
    avatar_url: str | None = None
    time_zone: str
    locale: str | None
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class PlayerExport(BaseModel):
    """Everything Questline holds about one player (modules add their own keys:
    notifications add `notifications` and `devices`)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "player": {
                        "id": "zoe",
                        "display_name": "Zoe",
                        "avatar_url": None,
                        "time_zone": "Europe/Paris",
                        "locale": "fr",
                        "attributes": {},
                        "created_at": "2026-11-21T16:35:51Z",
                        "updated_at": "2026-11-21T16:35:51Z",
                    },
                    "balances": {"xp": {"balance": 85, "earned": 85}},
                    "counters": [{"key": "metric:passed", "period": "all", "value": 1}],
                    "events": [
                        {
                            "id": "attempt-1",
                            "type": "attempt.submitted",
                            "time": "2026-11-21T16:35:51Z",
                            "received_at": "2026-11-21T16:35:51Z",
                            "time_zone": "Europe/Paris",
                            "properties": {"score": 85},
                            "item": "sql-basics",
                            "status": "processed",
                        }
                    ],
                    "ledger": [
                        {
                            "id": 1,
                            "currency": "xp",
                            "amount": 85,
                            "balance_after": 85,
                            "cause": "rule",
                            "cause_id": "attempt-xp",
                            "explanation": "item.xp * event.score / 100 = 100 * 85 / 100 = 85",
                            "created_at": "2026-11-21T16:35:51Z",
                        }
                    ],
                    "achievements": [
                        {
                            "achievement": "first-pass",
                            "tier": None,
                            "period": "all",
                            "value": 1,
                            "target": 1,
                            "rewards": {},
                            "awarded_at": "2026-11-21T16:35:51Z",
                        }
                    ],
                    "streaks": [
                        {
                            "key": "practice",
                            "current": 1,
                            "longest": 1,
                            "started_on": "2026-11-21",
                            "last_on": "2026-11-21",
                            "time_zone": "Europe/Paris",
                            "freezes": 0,
                        }
                    ],
                    "streak_freezes_used": [],
                    "quests": [],
                    "quests_joined": [],
                    "purchases": [
                        {
                            "id": "buy-1",
                            "offer": "streak-freeze",
                            "quantity": 1,
                            "price": {"gems": 200},
                            "granted": {"streak_freezes": [{"streak": "practice", "count": 1}]},
                            "status": "completed",
                            "created_at": "2026-11-21T16:40:02Z",
                            "refunded_at": None,
                        }
                    ],
                    "inventory": [],
                    "item_uses": [],
                    "boosts": [],
                }
            ]
        },
    )

    player: ExportedProfile
    balances: dict[str, dict[str, int]]
    counters: list[dict[str, Any]]
    events: list[dict[str, Any]]
    ledger: list[dict[str, Any]]
    achievements: list[dict[str, Any]]
    streaks: list[dict[str, Any]]
    streak_freezes_used: list[dict[str, Any]]
    quests: list[dict[str, Any]]
    quests_joined: list[dict[str, Any]]
    purchases: list[dict[str, Any]]
    inventory: list[dict[str, Any]]
    item_uses: list[dict[str, Any]]
    boosts: list[dict[str, Any]]
    modules: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="what each module holds about the player (learning: attempts, answers,"
        " card memory states, reviews)",
    )


@router.get("/{player_id}/export", summary="Everything held about a player")
def export(
    player_id: PlayerId, principal: Authorized, session: ReadSessionDep, context: ContextDep
) -> PlayerExport:
    return player_export(context, session, principal.app_id, player_id)


def player_export(context: Context, session: Session, app_id: int, player_id: str) -> PlayerExport:
    """Everything held about a player (the API's answer and the console's download)."""
    player = find_player(session, app_id, player_id)
    modules = {part.name: part.export(session, player.id) for part in context.player_data}
    return PlayerExport.model_validate({**export_player(session, player), "modules": modules})


@router.delete(
    "/{player_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Erase a player's personal data; their numbers stay, under a pseudonym",
)
def erase(
    player_id: PlayerId,
    principal: Authorized,
    session: SessionDep,
    context: ContextDep,
    reason: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="why, for the audit log (say nothing there that identifies them)",
        ),
    ] = None,
) -> Response:
    erase_player_data(context, session, principal, player_id, reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def erase_player_data(
    context: Context,
    session: Session,
    principal: Principal,
    player_id: str,
    reason: str | None = None,
) -> str:
    """Erase a player's personal data, audited under their pseudonym with the reason given,
    and return the pseudonym (the API's and the console's)."""
    player = lock_player(session, principal.app_id, player_id)
    if player is None:
        raise UnknownPlayer(player_id)
    pseudonym = erase_player(session, player)
    for part in context.player_data:
        part.erase(session, player.id)
    # Their scores stay in every total, but a pseudonym has no place among named players.
    store = context.leaderboards.store
    set_hidden(
        session,
        None if isinstance(store, SqlLeaderboardStore) else store,
        principal.app_id,
        player.id,
        pseudonym,
        hidden=True,
        now=datetime.now(UTC),
    )
    # The entry names the pseudonym only: the log must not keep what was erased.
    audit.record(
        session,
        principal,
        "player.erase",
        "player",
        pseudonym,
        after={"reason": reason} if reason else None,
    )
    return pseudonym
