"""Compiling the economy: every currency, item, boost and streak an offer names must be
declared, prices must be in spendable currencies, and requirements compile against the
names a player's state offers — all found at publish time, each with its location."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from questline.engine.expressions import CompiledExpression, ExpressionType
from questline.engine.mechanics_compiler import Collector, Location, state_scope
from questline.engine.shop import Boost, Offer, ShopItem

if TYPE_CHECKING:
    from questline.engine.design import GameDesign


@dataclass(frozen=True)
class CompiledOffer:
    spec: Offer
    requires: CompiledExpression | None

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class CompiledShop:
    offers: tuple[CompiledOffer, ...] = ()
    items: Mapping[str, ShopItem] = field(default_factory=dict)
    boosts: Mapping[str, Boost] = field(default_factory=dict)

    def offer(self, offer_id: str) -> CompiledOffer | None:
        return next((offer for offer in self.offers if offer.id == offer_id), None)


def compile_shop(design: GameDesign, found: Collector) -> CompiledShop:
    for key, boost in design.boosts.items():
        for currency in boost.multiply:
            if currency not in design.currencies:
                found.issue(("boosts", key, "multiply", currency), f"unknown currency '{currency}'")
    for key, item in design.shop.items.items():
        if item.activates is not None and item.activates not in design.boosts:
            unknown = _unknown("boost", item.activates, design.boosts)
            found.issue(("shop", "items", key, "activates"), unknown)
    offers: list[CompiledOffer] = []
    seen: set[str] = set()
    scope = state_scope(design)
    for index, offer in enumerate(design.shop.offers):
        loc: Location = ("shop", "offers", index)
        if offer.id in seen:
            found.issue((*loc, "id"), f"offer id '{offer.id}' is used twice")
        seen.add(offer.id)
        _check_offer(offer, loc, design, found)
        requires = (
            found.expression(offer.requires, scope, ExpressionType.BOOL, (*loc, "requires"))
            if offer.requires
            else None
        )
        offers.append(CompiledOffer(offer, requires))
    return CompiledShop(tuple(offers), design.shop.items, design.boosts)


def _check_offer(offer: Offer, loc: Location, design: GameDesign, found: Collector) -> None:
    for currency in offer.price:
        spec = design.currencies.get(currency)
        if spec is None:
            found.issue(
                (*loc, "price", currency), _unknown("currency", currency, design.currencies)
            )
        elif not spec.spendable:
            found.issue(
                (*loc, "price", currency),
                f"currency '{currency}' is not spendable (add 'spendable: true' to it)",
            )
    gives = offer.gives
    at: Location = (*loc, "gives")
    for currency in gives.currencies:
        if currency not in design.currencies:
            found.issue(
                (*at, "currencies", currency), _unknown("currency", currency, design.currencies)
            )
    for key, count in gives.items.items():
        item = design.shop.items.get(key)
        if item is None:
            found.issue((*at, "items", key), _unknown("item", key, design.shop.items))
        elif item.max is not None and count > item.max:
            found.issue(
                (*at, "items", key),
                f"gives {count} of item '{key}', but a player may hold at most {item.max}",
            )
    for key in gives.streak_freezes:
        streak = design.streaks.get(key)
        if streak is None:
            found.issue((*at, "streak_freezes", key), _unknown("streak", key, design.streaks))
        elif streak.freezes is None or streak.freezes.max == 0:
            found.issue((*at, "streak_freezes", key), f"streak '{key}' has no freezes")
    if gives.boost is not None and gives.boost not in design.boosts:
        found.issue((*at, "boost"), _unknown("boost", gives.boost, design.boosts))


def _unknown(kind: str, key: str, declared: Mapping[str, object]) -> str:
    listing = ", ".join(sorted(declared)) or "none are declared"
    return f"unknown {kind} '{key}' (declared: {listing})"
