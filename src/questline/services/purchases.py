"""Buying from the shop, and refunds: the engine decides (engine/purchases.py), this
loads what it decides on and writes the outcome — all in the caller's transaction, with
the player locked as the workers lock it, so a purchase is one transaction that either
happens entirely or writes nothing.

Idempotency is the events': a purchase's `id` is the client's key. The same id sent
again (even concurrently: the second waits for the player's lock) answers the purchase
it made, and makes nothing new.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from questline.engine.compiler import CompiledDesign, compile_design
from questline.engine.expressions import plain_value
from questline.engine.periods import Period
from questline.engine.purchases import (
    BalanceChange,
    Bought,
    Holdings,
    PurchasePlan,
    PurchaseRefused,
    limit_periods,
    offer_name,
    plan_purchase,
    plan_refund,
)
from questline.engine.state import BoostWindow
from questline.errors import Conflict, InvalidInput, NotFound, Refused, UnknownPlayer
from questline.processing.designs import DesignCache
from questline.processing.mechanics_rows import upsert_streaks
from questline.processing.player_view import load_state
from questline.storage import audit, economy, inventories
from questline.storage.audit import Actor
from questline.storage.bulk import BulkWriter
from questline.storage.economy_tables import COMPLETED, REFUNDED, Purchase
from questline.storage.pages import split_page

PURCHASE = "purchase"
REFUND = "refund"
EMPTY_DESIGN = compile_design({}, 0)


@dataclass(frozen=True)
class PurchaseResult:
    purchase: Purchase
    player: str
    duplicate: bool = False


def new_purchase_key() -> str:
    return f"pur_{uuid.uuid4().hex}"


def current_design(session: Session, designs: DesignCache, app_id: int) -> CompiledDesign | None:
    return designs.current(session, {app_id}).get(app_id)


def buy(
    session: Session,
    designs: DesignCache,
    who: Actor,
    player: str,
    offer_id: str,
    quantity: int,
    key: str | None,
    *,
    audited: bool = False,
    now: datetime | None = None,
) -> PurchaseResult:
    """Buy `quantity` units of an offer for `player`. Raises NotFound (no such player),
    InvalidInput (no such offer), Refused (with the rule that refused it) or Conflict (the
    id was used for a different purchase)."""
    now = now or datetime.now(UTC)
    app_id = who.app_id
    design = current_design(session, designs, app_id)
    locked = economy.lock_player(session, app_id, player)
    if locked is None:
        raise UnknownPlayer(player)
    if key is not None:
        existing = economy.find_purchase(session, app_id, key)
        if existing is not None:
            return _replay(existing, locked, offer_id, quantity)
    offer = design.shop.offer(offer_id) if design is not None else None
    if design is None or offer is None:
        known = ", ".join(o.id for o in design.shop.offers) if design else ""
        raise InvalidInput(
            f"the shop has no offer '{offer_id}' (offers: {known or 'none'})",
            errors=[{"loc": ["offer"], "message": "not an offer of the shop"}],
        )

    periods = limit_periods(now, locked.time_zone)
    state = load_state(session, locked.id, periods)
    day, week = periods[Period.TODAY], periods[Period.WEEK]
    held = economy.bought(session, locked.id, [offer.id], day, week).get(offer.id, {})
    sold = economy.lock_sales(session, app_id, offer.id) if offer.spec.stock is not None else 0
    holdings = Holdings(
        bought=held,
        items=inventories.held_items(session, locked.id, now),
        boosts=inventories.boost_windows(session, locked.id, now),
        sold=sold,
    )
    try:
        plan = plan_purchase(
            design,
            offer,
            quantity,
            state,
            holdings,
            now,
            locked.time_zone,
            player_locale=locked.locale,
        )
    except PurchaseRefused as refused:
        raise Refused(refused.code, refused.message) from None

    key = key or new_purchase_key()
    balances = {c.currency: c.balance_after for c in (*plan.credits, *plan.debits)}
    values: dict[str, Any] = {
        "app_id": app_id,
        "key": key,
        "player_id": locked.id,
        "offer": offer.id,
        "quantity": quantity,
        "price": plan.price,
        "granted": _granted(plan),
        "balances": balances,
        "local_day": plan.day,
        "local_week": plan.week,
        "status": COMPLETED,
        "config_version": design.version,
        "actor": who.actor,
        "created_at": now,
        "refunded_at": None,
        "refund": None,
    }
    purchase_id = economy.insert_purchase(session, values)
    if purchase_id is None:
        # The same id, for another player, committed while this one was being decided.
        existing = economy.find_purchase(session, app_id, key)
        assert existing is not None
        return _replay(existing, locked, offer_id, quantity)
    _write(session, app_id, locked.id, purchase_id, key, design.version, plan, now)
    if offer.spec.stock is not None:
        economy.add_sold(session, app_id, offer.id, quantity)
    if audited:
        audit.record(
            session,
            who,
            "purchase.create",
            "purchase",
            key,
            after={"player": player, "offer": offer.id, "quantity": quantity, "price": plan.price},
        )
    # The answer from what was written (reading the row back would cost a query).
    return PurchaseResult(Purchase(id=purchase_id, **values), player)


def _replay(
    existing: Purchase, locked: economy.LockedPlayer, offer: str, quantity: int
) -> PurchaseResult:
    if (existing.player_id, existing.offer, existing.quantity) != (locked.id, offer, quantity):
        raise Conflict(
            f"purchase id '{existing.key}' was used for another purchase"
            f" ({existing.quantity} × '{existing.offer}'); send a new id for a new purchase"
        )
    return PurchaseResult(existing, locked.external_id, duplicate=True)


def _write(
    session: Session,
    app_id: int,
    player_id: int,
    purchase_id: int,
    key: str,
    version: int,
    plan: PurchasePlan,
    now: datetime,
) -> None:
    changes = [*plan.debits, *plan.credits]
    economy.write_ledger(
        session, app_id, player_id, purchase_id, PURCHASE, key, version, changes, now
    )
    economy.write_balances(
        session,
        player_id,
        {change.currency: change.balance_after for change in changes},
        plan.price,
    )
    inventories.add_items(
        session,
        app_id,
        player_id,
        purchase_id,
        [(grant.item, grant.quantity, grant.expires_at) for grant in plan.items],
        now,
    )
    if plan.freezes:
        upsert_streaks(BulkWriter(session), [(player_id, f.streak, f.state) for f in plan.freezes])
    if plan.boost is not None:
        inventories.add_boost(session, app_id, player_id, plan.boost, purchase_id=purchase_id)


def _granted(plan: PurchasePlan) -> dict[str, Any]:
    return {
        "items": [
            {
                "item": grant.item,
                "quantity": grant.quantity,
                "expires_at": grant.expires_at.isoformat() if grant.expires_at else None,
            }
            for grant in plan.items
        ],
        "streak_freezes": [
            {"streak": f.streak, "count": f.count, "freezes": f.freezes} for f in plan.freezes
        ],
        "boost": window_out(plan.boost) if plan.boost is not None else None,
        "currencies": [change_out(change) for change in plan.credits],
    }


def window_out(window: BoostWindow) -> dict[str, Any]:
    return {
        "boost": window.boost,
        "multiply": {c: plain_value(f) for c, f in window.factors.items()},
        "starts_at": window.starts_at.isoformat(),
        "ends_at": window.ends_at.isoformat(),
    }


def change_out(change: BalanceChange) -> dict[str, Any]:
    return {
        "currency": change.currency,
        "amount": change.amount,
        "balance_after": change.balance_after,
    }


def refund(
    session: Session,
    designs: DesignCache,
    who: Actor,
    key: str,
    reason: str | None,
    *,
    now: datetime | None = None,
) -> PurchaseResult:
    """Refund a purchase: its price comes back and what it gave is taken back as far as
    it is unused; audited. A purchase refunded already answers its refund again."""
    now = now or datetime.now(UTC)
    purchase = economy.find_purchase(session, who.app_id, key)
    if purchase is None:
        raise NotFound(f"no purchase with id '{key}'")
    locked = economy.lock_player_by_id(session, purchase.player_id)
    session.refresh(purchase)  # as it is now that the player is locked
    if purchase.status == REFUNDED:
        return PurchaseResult(purchase, locked.external_id, duplicate=True)

    design = current_design(session, designs, who.app_id) or EMPTY_DESIGN
    periods = limit_periods(now, locked.time_zone)
    state = load_state(session, locked.id, periods)
    compiled_offer = design.shop.offer(purchase.offer)
    granted = purchase.granted
    boosts = inventories.purchase_boosts(session, purchase.id)
    bought = Bought(
        offer=purchase.offer,
        offer_name=(
            offer_name(design, compiled_offer, locked.locale) if compiled_offer else purchase.offer
        ),
        quantity=purchase.quantity,
        price={c: int(v) for c, v in purchase.price.items()},
        currencies={g["currency"]: int(g["amount"]) for g in granted.get("currencies", [])},
        freezes={g["streak"]: int(g["count"]) for g in granted.get("streak_freezes", [])},
        boost=boosts[0] if boosts else None,
    )
    plan = plan_refund(design, bought, state, now)

    items_back: dict[str, int] = {}
    items_kept: dict[str, int] = {}
    rows = inventories.purchase_items(session, purchase.id)
    for row in rows:
        if row.remaining:
            items_back[row.item] = items_back.get(row.item, 0) + row.remaining
        if row.remaining < row.quantity:
            items_kept[row.item] = items_kept.get(row.item, 0) + row.quantity - row.remaining
    inventories.take_items(session, [(row.id, 0) for row in rows if row.remaining])

    changes = [*plan.credits, *plan.takebacks]
    economy.write_ledger(
        session, who.app_id, locked.id, purchase.id, REFUND, key, design.version, changes, now
    )
    economy.write_balances(
        session,
        locked.id,
        {change.currency: change.balance_after for change in changes},
        {change.currency: -change.amount for change in plan.credits},
    )
    if plan.freezes:
        upsert_streaks(BulkWriter(session), [(locked.id, k, s) for k, s in plan.freezes.items()])
    if plan.boost is not None:
        inventories.end_purchase_boost(session, purchase.id, plan.boost.ends_at)
    economy.add_sold(session, who.app_id, purchase.offer, -purchase.quantity)

    kept = dict(plan.kept)
    if items_kept:
        kept["items"] = items_kept
    record = {
        "by": who.actor,
        "reason": reason,
        "returned": [change_out(change) for change in plan.credits],
        "taken_back": {
            "items": items_back,
            "streak_freezes": plan.freezes_taken,
            "currencies": [change_out(change) for change in plan.takebacks],
            "boost_ended_at": plan.boost.ends_at.isoformat() if plan.boost else None,
        },
        "kept": kept,
    }
    economy.mark_refunded(session, purchase.id, now, record)
    audit.record(
        session,
        who,
        "purchase.refund",
        "purchase",
        key,
        before={"status": COMPLETED, "player": locked.external_id, "price": purchase.price},
        after={"status": REFUNDED, **record},
    )
    session.refresh(purchase)
    return PurchaseResult(purchase, locked.external_id)


def find(session: Session, app_id: int, key: str) -> PurchaseResult:
    purchase = economy.find_purchase(session, app_id, key)
    if purchase is None:
        raise NotFound(f"no purchase with id '{key}'")
    return PurchaseResult(purchase, economy.external_id(session, purchase.player_id))


@dataclass(frozen=True)
class PurchasePage:
    purchases: list[PurchaseResult]
    next_before: int | None  # the id to continue below, if there is more


def player_purchases(
    session: Session, app_id: int, player: str, before_id: int | None, limit: int
) -> PurchasePage:
    player_id = economy.player_id(session, app_id, player)
    if player_id is None:
        raise UnknownPlayer(player)
    rows = economy.purchases_page(session, player_id, before_id=before_id, limit=limit + 1)
    shown, next_before = split_page(rows, limit, _purchase_key)
    return PurchasePage([PurchaseResult(row, player) for row in shown], next_before)


def _purchase_key(row: Purchase) -> int:
    return row.id
