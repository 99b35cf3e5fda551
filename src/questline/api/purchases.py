"""Purchases: a player buys an offer of the shop; the history of a player's purchases;
one purchase; and an administrator's refund."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from questline.api.http.deps import (
    ContextDep,
    EventWriter,
    PlayerManager,
    PlayerViewer,
    ReadSessionDep,
)
from questline.api.http.paging import Cursor, Limit, cursor_after, decode_cursor
from questline.api.http.problems import problems
from questline.api.http.sessions import SessionRoute
from questline.api.inputs import Identifier
from questline.auth.principals import PrincipalKind
from questline.services import purchases
from questline.services.purchases import PurchaseResult

router = APIRouter(tags=["economy"], route_class=SessionRoute)

_T = "2026-12-07T14:20:00Z"
_BOOST: JsonDict = {
    "boost": "double-xp",
    "multiply": {"xp": 2},
    "starts_at": "2026-12-07T14:20:00+00:00",
    "ends_at": "2026-12-07T14:35:00+00:00",
}
PURCHASE_EXAMPLE: JsonDict = {
    "id": "buy-4711",
    "player": "zoe",
    "offer": "double-xp",
    "quantity": 1,
    "status": "completed",
    "duplicate": False,
    "created_at": _T,
    "price": {"gems": 50},
    "debits": [{"currency": "gems", "amount": -50, "balance_after": 70}],
    "granted": {"items": [], "streak_freezes": [], "boost": _BOOST, "currencies": []},
    "balances": {"gems": 70},
    "refund": None,
}


class PurchaseIn(BaseModel):
    """What to buy: an offer of the shop, how many units, and your idempotency key."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"offer": "streak-freeze", "quantity": 1, "id": "b-1"}]},
    )

    offer: str = Field(min_length=1, max_length=100)
    quantity: int = Field(default=1, strict=True, ge=1, le=100)
    id: Identifier | None = Field(
        default=None, description="your idempotency key: sent again, the purchase happens once"
    )


class BalanceMoveOut(BaseModel):
    """A change of one balance and the balance after it."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"currency": "gems", "amount": -50, "balance_after": 70}]}
    )

    currency: str
    amount: int
    balance_after: int


class ItemGrantOut(BaseModel):
    """Units of an item put in the inventory, and when they expire (null: never)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"item": "xp-potion", "quantity": 1, "expires_at": _T}]}
    )

    item: str
    quantity: int
    expires_at: datetime | None = None


class FreezeGrantOut(BaseModel):
    """Streak freezes added, and how many the player holds now."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"streak": "practice", "count": 1, "freezes": 2}]}
    )

    streak: str
    count: int
    freezes: int


class BoostWindowOut(BaseModel):
    """A boost's window: its factors by currency (exact: a fraction is text, "1.5")."""

    model_config = ConfigDict(json_schema_extra={"examples": [_BOOST]})

    boost: str
    multiply: dict[str, int | str]
    starts_at: datetime
    ends_at: datetime


class GrantedOut(BaseModel):
    """Everything a purchase gave."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [], "streak_freezes": [], "boost": _BOOST, "currencies": []}]
        }
    )

    items: list[ItemGrantOut]
    streak_freezes: list[FreezeGrantOut]
    boost: BoostWindowOut | None = None
    currencies: list[BalanceMoveOut]


class TakenBackOut(BaseModel):
    """What a refund took back of what the purchase gave."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": {},
                    "streak_freezes": {},
                    "currencies": [],
                    "boost_ended_at": "2026-12-07T14:26:00+00:00",
                }
            ]
        }
    )

    items: dict[str, int]
    streak_freezes: dict[str, int]
    currencies: list[BalanceMoveOut]
    boost_ended_at: datetime | None = None


class RefundOut(BaseModel):
    """A refund: who gave it and why, the price returned, what was taken back and what
    could not be (used, spent, or beyond a bound)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "refunded_at": "2026-12-07T14:26:00Z",
                    "by": "user:ada@example.com",
                    "reason": "bought by mistake",
                    "returned": [{"currency": "gems", "amount": 50, "balance_after": 120}],
                    "taken_back": {
                        "items": {},
                        "streak_freezes": {},
                        "currencies": [],
                        "boost_ended_at": "2026-12-07T14:26:00+00:00",
                    },
                    "kept": {"boost_used_until": "2026-12-07T14:26:00+00:00"},
                }
            ]
        }
    )

    refunded_at: datetime
    by: str
    reason: str | None = None
    returned: list[BalanceMoveOut]
    taken_back: TakenBackOut
    kept: dict[str, Any]


class PurchaseOut(BaseModel):
    """A purchase: what it cost (the debits, with the balances after), what it gave, and
    its refund if it was refunded."""

    model_config = ConfigDict(json_schema_extra={"examples": [PURCHASE_EXAMPLE]})

    id: str
    player: str
    offer: str
    quantity: int
    status: str  # completed | refunded
    duplicate: bool = Field(description="true when this answers a purchase id sent before")
    created_at: datetime
    price: dict[str, int]
    debits: list[BalanceMoveOut]
    granted: GrantedOut
    balances: dict[str, int]
    refund: RefundOut | None = None


class PurchaseList(BaseModel):
    """A player's purchases, newest first."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"data": [PURCHASE_EXAMPLE], "next_cursor": None}]}
    )

    data: list[PurchaseOut]
    next_cursor: str | None = None


class RefundIn(BaseModel):
    """Why the purchase is refunded (kept in the audit log)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "bought by mistake"}]}
    )

    reason: str | None = Field(default=None, min_length=1, max_length=500)


def purchase_out(result: PurchaseResult) -> PurchaseOut:
    row = result.purchase
    refund = None
    if row.refund is not None and row.refunded_at is not None:
        refund = RefundOut.model_validate({**row.refund, "refunded_at": row.refunded_at})
    return PurchaseOut(
        id=row.key,
        player=result.player,
        offer=row.offer,
        quantity=row.quantity,
        status=row.status,
        duplicate=result.duplicate,
        created_at=row.created_at,
        price=row.price,
        debits=[
            BalanceMoveOut(currency=c, amount=-paid, balance_after=row.balances[c])
            for c, paid in row.price.items()
        ],
        granted=GrantedOut.model_validate(row.granted),
        balances=row.balances,
        refund=refund,
    )


@router.post(
    "/v1/players/{player_id}/purchases",
    status_code=status.HTTP_201_CREATED,
    summary="Buy an offer of the shop for a player",
    responses={
        200: {"model": PurchaseOut, "description": "a replay of a known purchase id"},
        **problems(409),
    },
)
def buy(
    player_id: str,
    body: PurchaseIn,
    principal: EventWriter,
    context: ContextDep,
    response: Response,
) -> PurchaseOut:
    # The transaction opens and commits on this thread, not in a session dependency: a
    # purchase waits for the player's lock, and a waiter must not need a second worker
    # thread to commit (under a crowd of purchases the thread pool would run dry with
    # waiters, and the holder could never finish).
    with context.database.transaction() as session:
        result = purchases.buy(
            session,
            context.designs,
            principal,
            player_id,
            body.offer,
            body.quantity,
            body.id,
            audited=principal.kind is PrincipalKind.USER,
        )
    if result.duplicate:
        response.status_code = status.HTTP_200_OK
    return purchase_out(result)


@router.get("/v1/players/{player_id}/purchases", summary="A player's purchases, newest first")
def player_purchases(
    player_id: str,
    principal: PlayerViewer,
    session: ReadSessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PurchaseList:
    page = purchases.player_purchases(
        session, principal.app_id, player_id, decode_cursor(cursor), limit
    )
    return PurchaseList(
        data=[purchase_out(result) for result in page.purchases],
        next_cursor=cursor_after(page.next_before),
    )


@router.get("/v1/purchases/{purchase_id}", summary="One purchase, with its refund if any")
def get_purchase(purchase_id: str, principal: PlayerViewer, session: ReadSessionDep) -> PurchaseOut:
    return purchase_out(purchases.find(session, principal.app_id, purchase_id))


@router.post(
    "/v1/purchases/{purchase_id}/refund",
    summary="Refund a purchase: its price back, what it gave taken back if unused (audited)",
)
def refund(
    purchase_id: str,
    principal: PlayerManager,
    context: ContextDep,
    body: RefundIn | None = None,
) -> PurchaseOut:
    reason = body.reason if body is not None else None
    with context.database.transaction() as session:  # on this thread: see `buy`
        result = purchases.refund(session, context.designs, principal, purchase_id, reason)
    return purchase_out(result)
