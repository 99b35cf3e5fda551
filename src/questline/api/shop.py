"""The shop: its offers, and — for a player — whether they can buy each one now."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict
from pydantic.config import JsonDict

from questline.api.http.deps import ContextDep, PlayerViewer, ReadSessionDep
from questline.api.http.problems import problems
from questline.api.http.sessions import SessionRoute
from questline.api.inputs import Locale
from questline.engine.mechanics import localize, reading_locale
from questline.services import shop
from questline.services.shop import OfferListing

router = APIRouter(tags=["economy"], route_class=SessionRoute)

_MINE: JsonDict = {
    "bought": {"total": 3, "today": 1, "this_week": 2},
    "limit_left": 0,
    "can_afford": True,
    "can_buy": False,
    "refusal": "limit_reached",
    "detail": "'Streak freeze' can be bought 1 time(s) a day; 1 bought already",
}
OFFER_EXAMPLE: JsonDict = {
    "id": "streak-freeze",
    "name": "Streak freeze",
    "description": "Keeps your streak alive on a day you miss.",
    "icon": "ice",
    "category": "streaks",
    "price": {"gems": 200},
    "gives": {"items": {}, "streak_freezes": {"practice": 1}, "boost": None, "currencies": {}},
    "requires": None,
    "starts": None,
    "ends": None,
    "on_sale": True,
    "stock_left": None,
    "limit": {"total": None, "per_day": 1, "per_week": None},
    "player": _MINE,
}


class PlayerOfferOut(BaseModel):
    """How the player stands towards an offer: units bought and kept (refunds do not
    count), what their limits leave, and whether they can buy one now — and if not,
    the code a purchase would be refused with."""

    model_config = ConfigDict(json_schema_extra={"examples": [_MINE]})

    bought: dict[str, int]
    limit_left: int | None = None
    can_afford: bool
    can_buy: bool
    refusal: str | None = None
    detail: str | None = None


class OfferLimitOut(BaseModel):
    """Units one player may buy: in all, per local day, per ISO week (null: no limit)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"total": None, "per_day": 1, "per_week": None}]}
    )

    total: int | None = None
    per_day: int | None = None
    per_week: int | None = None


class OfferGivesOut(BaseModel):
    """What one unit gives."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": {}, "streak_freezes": {}, "boost": "double-xp", "currencies": {}}
            ]
        }
    )

    items: dict[str, int]
    streak_freezes: dict[str, int]
    boost: str | None = None
    currencies: dict[str, int]


class OfferOut(BaseModel):
    """An offer of the shop: its price per unit, what a unit gives, whether it is on sale
    and how much stock is left; with `player`, how that player stands towards it."""

    model_config = ConfigDict(json_schema_extra={"examples": [OFFER_EXAMPLE]})

    id: str
    name: str | None = None
    description: str | None = None
    icon: str | None = None
    category: str | None = None
    price: dict[str, int]
    gives: OfferGivesOut
    requires: str | None = None
    starts: datetime | None = None
    ends: datetime | None = None
    on_sale: bool
    stock_left: int | None = None
    limit: OfferLimitOut | None = None
    player: PlayerOfferOut | None = None


class ShopOut(BaseModel):
    """The shop's offers, in the order the design lists them."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"data": [OFFER_EXAMPLE], "next_cursor": None}]}
    )

    data: list[OfferOut]
    next_cursor: str | None = None


def _offer(listing: OfferListing, locale: str, default: str) -> OfferOut:
    spec = listing.offer.spec
    mine = listing.player
    return OfferOut(
        id=spec.id,
        name=localize(spec.name, locale, default),
        description=localize(spec.description, locale, default),
        icon=spec.icon,
        category=spec.category,
        price=dict(spec.price),
        gives=OfferGivesOut.model_validate(spec.gives.model_dump()),
        requires=spec.requires,
        starts=spec.starts,
        ends=spec.ends,
        on_sale=listing.on_sale,
        stock_left=listing.stock_left,
        limit=OfferLimitOut.model_validate(spec.limit.model_dump()) if spec.limit else None,
        player=PlayerOfferOut.model_validate(mine, from_attributes=True) if mine else None,
    )


def _shop_out(found: shop.ShopView, asked: str | None) -> ShopOut:
    """The offers, named by the one rule: `?locale=`, else the player's, else the design's
    default."""
    default = found.default_locale
    locale = reading_locale(asked, found.locale, default)
    return ShopOut(data=[_offer(listing, locale, default) for listing in found.offers])


@router.get(
    "/v1/shop",
    summary="The shop's offers; with `player`, what that player can buy",
    responses=problems(404),
)
def get_shop(
    principal: PlayerViewer,
    session: ReadSessionDep,
    context: ContextDep,
    player: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    locale: Locale = None,
) -> ShopOut:
    found = shop.shop(session, context.designs, principal.app_id, player)
    return _shop_out(found, locale)


@router.get(
    "/v1/players/{player_id}/shop",
    summary="The shop as a player sees it (the same as /v1/shop?player=…, for a player token)",
)
def get_player_shop(
    player_id: str,
    principal: PlayerViewer,
    session: ReadSessionDep,
    context: ContextDep,
    locale: Locale = None,
) -> ShopOut:
    found = shop.shop(session, context.designs, principal.app_id, player_id)
    return _shop_out(found, locale)
