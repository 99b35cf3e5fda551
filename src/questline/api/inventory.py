"""A player's inventory and running boosts, and using an item."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from questline.api.http.deps import ContextDep, EventWriter, PlayerViewer, ReadSessionDep
from questline.api.http.problems import problems
from questline.api.http.sessions import SessionRoute
from questline.api.inputs import Identifier
from questline.api.purchases import BoostWindowOut
from questline.auth.principals import PrincipalKind
from questline.engine.expressions import plain_value
from questline.engine.mechanics import localize, reading_locale
from questline.services import inventory
from questline.services.inventory import HeldItem, UseResult

router = APIRouter(tags=["economy"], route_class=SessionRoute)
ItemKey = Annotated[str, Path(min_length=1, max_length=100, description="the item's key")]

_POTION: JsonDict = {
    "item": "xp-potion",
    "name": "XP potion",
    "description": "Double XP for 15 minutes, when you choose.",
    "icon": "potion",
    "category": "boosts",
    "quantity": 2,
    "consumable": True,
    "activates": "double-xp",
    "next_expiry": "2026-12-14T14:20:00Z",
    "expiring": 1,
}
_RUNNING: JsonDict = {
    "boost": "double-xp",
    "name": "Double XP",
    "multiply": {"xp": 2},
    "starts_at": "2026-12-07T14:20:00+00:00",
    "ends_at": "2026-12-07T14:35:00+00:00",
}


class HeldItemOut(BaseModel):
    """Units of an item the player holds (expired ones are gone), and the next expiry."""

    model_config = ConfigDict(json_schema_extra={"examples": [_POTION]})

    item: str
    name: str | None = None
    description: str | None = None
    icon: str | None = None
    category: str | None = None
    quantity: int
    consumable: bool
    activates: str | None = None
    next_expiry: datetime | None = None
    expiring: int = Field(description="units that expire at next_expiry")


class RunningBoostOut(BoostWindowOut):
    """A boost running for the player, or queued to start when one of its kind ends."""

    model_config = ConfigDict(json_schema_extra={"examples": [_RUNNING]})

    name: str


class InventoryOut(BaseModel):
    """What a player holds, and their boosts that have not ended."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"data": [_POTION], "next_cursor": None, "boosts": []}]}
    )

    data: list[HeldItemOut]
    next_cursor: str | None = None
    boosts: list[RunningBoostOut]


class UseIn(BaseModel):
    """How many units to use, and your idempotency key."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"quantity": 1, "id": "use-1"}]}
    )

    quantity: int = Field(default=1, strict=True, ge=1, le=100)
    id: Identifier | None = Field(
        default=None, description="your idempotency key: sent again, the item is used once"
    )


class UseOut(BaseModel):
    """A use of an item: how many units, what is left, and the boost it started if any."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "use-1",
                    "player": "zoe",
                    "item": "xp-potion",
                    "quantity": 1,
                    "remaining": 1,
                    "boost": {k: v for k, v in _RUNNING.items() if k != "name"},
                    "duplicate": False,
                    "used_at": "2026-12-07T14:20:00Z",
                }
            ]
        }
    )

    id: str
    player: str
    item: str
    quantity: int
    remaining: int
    boost: BoostWindowOut | None = None
    duplicate: bool
    used_at: datetime


def _held(item: HeldItem, locale: str, default: str) -> HeldItemOut:
    spec = item.spec
    return HeldItemOut(
        item=item.item,
        name=localize(spec.name, locale, default) if spec else None,
        description=localize(spec.description, locale, default) if spec else None,
        icon=spec.icon if spec else None,
        category=spec.category if spec else None,
        quantity=item.quantity,
        consumable=spec.usable if spec else False,
        activates=spec.activates if spec else None,
        next_expiry=item.next_expiry,
        expiring=item.expiring,
    )


def _use(result: UseResult) -> UseOut:
    row = result.use
    outcome: dict[str, Any] = row.result
    return UseOut(
        id=row.key,
        player=result.player,
        item=row.item,
        quantity=row.quantity,
        remaining=outcome["remaining"],
        boost=BoostWindowOut.model_validate(outcome["boost"]) if outcome["boost"] else None,
        duplicate=result.duplicate,
        used_at=row.used_at,
    )


@router.get(
    "/v1/players/{player_id}/inventory", summary="What a player holds, and their running boosts"
)
def get_inventory(
    player_id: str, principal: PlayerViewer, session: ReadSessionDep, context: ContextDep
) -> InventoryOut:
    held = inventory.inventory(session, context.designs, principal.app_id, player_id)
    # Named by the one rule; this read takes no `?locale=`.
    locale = reading_locale(None, held.locale, held.default_locale)
    return InventoryOut(
        data=[_held(item, locale, held.default_locale) for item in held.items],
        boosts=[
            RunningBoostOut(
                boost=window.boost,
                name=held.boost_names[window.boost],
                multiply={c: plain_value(f) for c, f in window.factors.items()},
                starts_at=window.starts_at,
                ends_at=window.ends_at,
            )
            for window in held.boosts
        ],
    )


@router.post(
    "/v1/players/{player_id}/inventory/{item}/use",
    status_code=status.HTTP_201_CREATED,
    summary="Use an item the player holds (a consumable, or one that starts a boost)",
    responses={
        200: {"model": UseOut, "description": "a replay of a known use id"},
        **problems(409),
    },
)
def use_item(
    player_id: str,
    item: ItemKey,
    principal: EventWriter,
    context: ContextDep,
    response: Response,
    body: UseIn | None = None,
) -> UseOut:
    wanted = body or UseIn()
    # On this thread, not in a session dependency: a use waits for the player's lock
    # (see api/purchases.py `buy`).
    with context.database.transaction() as session:
        result = inventory.use_item(
            session,
            context.designs,
            principal,
            player_id,
            item,
            wanted.quantity,
            wanted.id,
            audited=principal.kind is PrincipalKind.USER,
        )
    if result.duplicate:
        response.status_code = status.HTTP_200_OK
    return _use(result)
