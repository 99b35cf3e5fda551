"""A player's inventory: what they hold, the boosts that run for them, and using an item
(a consumable is used up; one that activates a boost starts it).

A use takes the player's lock like a purchase, and its `id` makes a retried use count
once. Units are used first-to-expire first, so a player never loses an item to expiry
that they could have used instead of a newer one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from questline.engine import boosts
from questline.engine.mechanics import localize, reading_locale
from questline.engine.shop import ShopItem
from questline.engine.state import BoostWindow
from questline.errors import Conflict, InvalidInput, NotFound, Refused, UnknownPlayer
from questline.processing.designs import DesignCache
from questline.services.purchases import current_design, window_out
from questline.storage import audit, economy, inventories
from questline.storage.audit import Actor
from questline.storage.economy_tables import InventoryItem, ItemUse
from questline.storage.players import find_player

NOT_HELD = "not_held"


@dataclass(frozen=True)
class HeldItem:
    item: str
    spec: ShopItem | None  # None: the current design no longer declares it
    quantity: int
    next_expiry: datetime | None  # when the first of the units held expires
    expiring: int  # how many units expire then


@dataclass(frozen=True)
class Inventory:
    player: str
    locale: str | None  # the player's
    default_locale: str  # the design's: names for a reader with no locale
    items: list[HeldItem]
    boosts: list[BoostWindow]  # running or queued, the earliest first
    boost_names: dict[str, str]  # in the player's locale, else the design's default


def inventory(
    session: Session, designs: DesignCache, app_id: int, player: str, now: datetime | None = None
) -> Inventory:
    now = now or datetime.now(UTC)
    found = find_player(session, app_id, player)
    player_id = found.id
    design = current_design(session, designs, app_id)
    declared = design.shop.items if design is not None else {}
    rows: dict[str, list[InventoryItem]] = {}
    for row in inventories.inventory(session, player_id, now):  # the first to expire first
        rows.setdefault(row.item, []).append(row)
    held = []
    for item, grants in rows.items():
        first = grants[0].expires_at
        expiring = sum(g.remaining for g in grants if first is not None and g.expires_at == first)
        held.append(
            HeldItem(item, declared.get(item), sum(g.remaining for g in grants), first, expiring)
        )
    windows = inventories.boost_windows(session, player_id, now)
    default = design.design.default_locale if design is not None else "en"
    words = reading_locale(None, found.locale, default)
    declared_boosts = design.boosts if design is not None else {}
    names = {w.boost: boosts.boost_name(w.boost, declared_boosts, words, default) for w in windows}
    return Inventory(player, found.locale, default, held, windows, names)


@dataclass(frozen=True)
class UseResult:
    use: ItemUse
    player: str
    duplicate: bool = False


def use_item(
    session: Session,
    designs: DesignCache,
    who: Actor,
    player: str,
    item: str,
    quantity: int,
    key: str | None,
    *,
    audited: bool = False,
    now: datetime | None = None,
) -> UseResult:
    """Use `quantity` units of an item the player holds. Raises NotFound (no such player
    or item), InvalidInput (the item cannot be used), Refused `not_held` (too few held) or
    Conflict (the id was used for another use)."""
    now = now or datetime.now(UTC)
    app_id = who.app_id
    design = current_design(session, designs, app_id)
    locked = economy.lock_player(session, app_id, player)
    if locked is None:
        raise UnknownPlayer(player)
    if key is not None:
        existing = inventories.find_use(session, app_id, key)
        if existing is not None:
            return _replay(existing, locked, item, quantity)
    spec = design.shop.items.get(item) if design is not None else None
    if design is None or spec is None:
        raise NotFound(f"the game design has no item '{item}'")
    default = design.design.default_locale
    label = localize(spec.name, reading_locale(None, locked.locale, default), default) or item
    if not spec.usable:
        raise InvalidInput(
            f"'{label}' cannot be used: it is neither consumable nor activates a boost",
            errors=[{"loc": ["path", "item"], "message": "not a usable item"}],
        )
    rows = [row for row in inventories.inventory(session, locked.id, now) if row.item == item]
    held = sum(row.remaining for row in rows)
    if held < quantity:
        raise Refused(NOT_HELD, f"holds {held} of '{label}'; {quantity} asked to be used")

    key = key or f"use_{uuid.uuid4().hex}"
    result: dict[str, Any] = {"remaining": held - quantity, "boost": None}
    use_id = inventories.insert_use(
        session,
        {
            "app_id": app_id,
            "key": key,
            "player_id": locked.id,
            "item": item,
            "quantity": quantity,
            "result": result,
            "actor": who.actor,
            "used_at": now,
        },
    )
    if use_id is None:
        # The same id, for another player, committed while this one was being decided:
        # nothing of this one may be written.
        raise Conflict(f"use id '{key}' was used for another use; send a new id")
    taken: list[tuple[int, int]] = []
    left = quantity
    for row in rows:  # the first to expire first
        if left == 0:
            break
        used = min(row.remaining, left)
        taken.append((row.id, row.remaining - used))
        left -= used
    inventories.take_items(session, taken)

    if spec.activates is not None:
        window = boosts.activate(
            spec.activates,
            design.boosts[spec.activates],
            inventories.boost_windows(session, locked.id, now),
            now,
            quantity,
        )
        inventories.add_boost(session, app_id, locked.id, window, use_id=use_id)
        result["boost"] = window_out(window)
        inventories.set_use_result(session, use_id, result)
    if audited:
        audit.record(
            session,
            who,
            "inventory.use",
            "player",
            player,
            after={"use": key, "item": item, "quantity": quantity, **result},
        )
    found = inventories.find_use(session, app_id, key)
    assert found is not None
    return UseResult(found, player)


def _replay(existing: ItemUse, locked: economy.LockedPlayer, item: str, quantity: int) -> UseResult:
    if (existing.player_id, existing.item, existing.quantity) != (locked.id, item, quantity):
        raise Conflict(
            f"use id '{existing.key}' was used for another use"
            f" ({existing.quantity} × '{existing.item}'); send a new id for a new use"
        )
    return UseResult(existing, locked.external_id, duplicate=True)
