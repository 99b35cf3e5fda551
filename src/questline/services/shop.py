"""The shop as a screen shows it: each offer with its price, whether it is on sale, the
stock left and — for a player — what their limits leave and whether they can buy it
now. "Can buy" is the engine's own purchase decision (engine/purchases.py) made on the
player's current state, so the screen and the purchase never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from questline.engine.periods import ALL_TIME, Period
from questline.engine.purchases import Holdings, PurchaseRefused, limit_periods, plan_purchase
from questline.engine.shop_compiler import CompiledOffer
from questline.processing.designs import DesignCache
from questline.processing.player_view import load_state
from questline.services.purchases import current_design
from questline.storage import economy, inventories
from questline.storage.players import find_player


@dataclass(frozen=True)
class PlayerOffer:
    """One offer as one player stands towards it."""

    bought: dict[str, int]  # units bought and kept: "total", "today", "this_week"
    limit_left: int | None  # units the limits still allow (None: no limit)
    can_afford: bool
    can_buy: bool
    refusal: str | None  # why not: a purchase's refusal code
    detail: str | None


@dataclass(frozen=True)
class OfferListing:
    offer: CompiledOffer
    on_sale: bool
    stock_left: int | None
    player: PlayerOffer | None


@dataclass(frozen=True)
class ShopView:
    offers: list[OfferListing]
    locale: str | None  # the player's, if the shop is shown to one
    default_locale: str  # the design's: names for a reader with no locale


def shop(
    session: Session,
    designs: DesignCache,
    app_id: int,
    player: str | None,
    now: datetime | None = None,
) -> ShopView:
    now = now or datetime.now(UTC)
    design = current_design(session, designs, app_id)
    found: list[OfferListing] = []
    row = None
    if player is not None:
        row = find_player(session, app_id, player)
    if design is None:
        return ShopView(found, row.locale if row else None, "en")  # no offers to name
    default = design.design.default_locale
    offers = design.shop.offers
    sold = economy.sold(session, app_id, [offer.id for offer in offers])
    if row is None:
        for offer in offers:
            stock = offer.spec.stock
            found.append(
                OfferListing(
                    offer,
                    _on_sale(offer, now),
                    None if stock is None else max(stock - sold.get(offer.id, 0), 0),
                    None,
                )
            )
        return ShopView(found, None, default)

    view, time_zone = row.id, row.time_zone
    periods = limit_periods(now, time_zone)
    day, week = periods[Period.TODAY], periods[Period.WEEK]
    state = load_state(session, view, periods)
    bought = economy.bought(session, view, [offer.id for offer in offers], day, week)
    items = inventories.held_items(session, view, now)
    windows = inventories.boost_windows(session, view, now)
    for offer in offers:
        spec = offer.spec
        counts = bought.get(offer.id, {})
        holdings = Holdings(counts, items, windows, sold.get(offer.id, 0))
        refusal = detail = None
        try:
            plan_purchase(
                design, offer, 1, state, holdings, now, time_zone, player_locale=row.locale
            )
        except PurchaseRefused as refused:
            refusal, detail = refused.code, refused.message
        left = None
        if spec.limit is not None:
            room = [
                most - counts.get(key, 0)
                for most, key in (
                    (spec.limit.total, ALL_TIME),
                    (spec.limit.per_day, day),
                    (spec.limit.per_week, week),
                )
                if most is not None
            ]
            left = max(min(room), 0)
        found.append(
            OfferListing(
                offer,
                _on_sale(offer, now),
                None if spec.stock is None else max(spec.stock - sold.get(offer.id, 0), 0),
                PlayerOffer(
                    bought={
                        "total": counts.get(ALL_TIME, 0),
                        "today": counts.get(day, 0),
                        "this_week": counts.get(week, 0),
                    },
                    limit_left=left,
                    can_afford=all(
                        state.balance(currency).balance >= unit
                        for currency, unit in spec.price.items()
                    ),
                    can_buy=refusal is None,
                    refusal=refusal,
                    detail=detail,
                ),
            )
        )
    return ShopView(found, row.locale, default)


def _on_sale(offer: CompiledOffer, now: datetime) -> bool:
    spec = offer.spec
    return (spec.starts is None or spec.starts <= now) and (spec.ends is None or now < spec.ends)
