"""Queries of what a player holds: inventory items (granted, used up, expiring), the
boosts that run for them, and item uses. Writes are made under the player's lock (see
`economy` for the lock order)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from questline.engine.state import BoostWindow
from questline.storage.bulk import BulkWriter, as_utc
from questline.storage.economy_tables import InventoryItem, ItemUse, PlayerBoost
from questline.storage.types import loads_json


def held_items(session: Session, player_id: int, now: datetime) -> dict[str, int]:
    """Units of each item the player holds at `now` (expired ones are not held)."""
    bulk = BulkWriter(session)
    rows = bulk.fetch(
        "SELECT item, SUM(remaining) FROM inventory_items WHERE player_id = ?"
        " AND remaining > 0 AND (expires_at IS NULL OR expires_at > ?) GROUP BY item",
        player_id,
        bulk.timestamp(now),
    )
    return {item: int(units) for item, units in rows}


def inventory(session: Session, player_id: int, now: datetime) -> list[InventoryItem]:
    """The player's unexpired grants with units left, the first to expire first."""
    return list(
        session.scalars(
            select(InventoryItem)
            .where(
                InventoryItem.player_id == player_id,
                InventoryItem.remaining > 0,
                (InventoryItem.expires_at.is_(None)) | (InventoryItem.expires_at > now),
            )
            .order_by(
                InventoryItem.item,
                InventoryItem.expires_at.is_(None),
                InventoryItem.expires_at,
                InventoryItem.id,
            )
        )
    )


def boost_windows(session: Session, player_id: int, now: datetime) -> list[BoostWindow]:
    """The player's boost windows that have not ended at `now`, the earliest first."""
    found = load_boosts(BulkWriter(session), [player_id], now)
    return [window for _, window in found.get(player_id, [])]


def window_of(row: PlayerBoost) -> BoostWindow:
    return BoostWindow(
        row.boost,
        {currency: Decimal(str(factor)) for currency, factor in row.factors.items()},
        row.starts_at,
        row.ends_at,
    )


def load_boosts(
    bulk: BulkWriter, player_ids: Sequence[int], since: datetime
) -> dict[int, list[tuple[int, BoostWindow]]]:
    """(row id, window) of the players' boosts that had not ended at `since`, for the
    worker (plain rows: it reads them for every batch)."""
    found: dict[int, list[tuple[int, BoostWindow]]] = {}
    rows = bulk.fetch(
        "SELECT id, player_id, boost, factors, starts_at, ends_at FROM player_boosts"
        " WHERE player_id IN ?list AND ends_at > ? ORDER BY starts_at, id",
        list(player_ids),
        bulk.timestamp(since),
    )
    for row_id, player_id, boost, factors, starts_at, ends_at in rows:
        parsed = factors if isinstance(factors, dict) else _json(factors)
        starts, ends = as_utc(starts_at), as_utc(ends_at)
        assert starts is not None
        assert ends is not None
        window = BoostWindow(boost, {c: Decimal(str(f)) for c, f in parsed.items()}, starts, ends)
        found.setdefault(player_id, []).append((row_id, window))
    return found


def _json(text: Any) -> dict[str, Any]:
    loaded = loads_json(text)
    assert isinstance(loaded, dict)
    return loaded


def add_items(
    session: Session,
    app_id: int,
    player_id: int,
    purchase_id: int | None,
    grants: Iterable[tuple[str, int, datetime | None]],
    now: datetime,
) -> None:
    bulk = BulkWriter(session)
    bulk.executemany(
        "INSERT INTO inventory_items (app_id, player_id, item, quantity, remaining,"
        " purchase_id, granted_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                app_id,
                player_id,
                item,
                units,
                units,
                purchase_id,
                bulk.timestamp(now),
                bulk.timestamp(expires_at) if expires_at is not None else None,
            )
            for item, units, expires_at in grants
        ],
    )


def take_items(session: Session, rows: Iterable[tuple[int, int]]) -> None:
    """Set what is left of inventory rows: (row id, remaining)."""
    for row_id, remaining in rows:
        session.execute(
            update(InventoryItem).where(InventoryItem.id == row_id).values(remaining=remaining)
        )


def purchase_items(session: Session, purchase_id: int) -> list[InventoryItem]:
    return list(
        session.scalars(select(InventoryItem).where(InventoryItem.purchase_id == purchase_id))
    )


def add_boost(
    session: Session,
    app_id: int,
    player_id: int,
    window: BoostWindow,
    *,
    purchase_id: int | None = None,
    use_id: int | None = None,
) -> None:
    bulk = BulkWriter(session)
    bulk.executemany(
        "INSERT INTO player_boosts (app_id, player_id, boost, factors, starts_at, ends_at,"
        " purchase_id, use_id) VALUES (?, ?, ?, ?json, ?, ?, ?, ?)",
        [
            (
                app_id,
                player_id,
                window.boost,
                bulk.json({c: str(factor) for c, factor in window.factors.items()}),
                bulk.timestamp(window.starts_at),
                bulk.timestamp(window.ends_at),
                purchase_id,
                use_id,
            )
        ],
    )


def purchase_boosts(session: Session, purchase_id: int) -> list[BoostWindow]:
    rows = session.scalars(select(PlayerBoost).where(PlayerBoost.purchase_id == purchase_id))
    return [window_of(row) for row in rows]


def end_purchase_boost(session: Session, purchase_id: int, ends_at: datetime) -> None:
    session.execute(
        update(PlayerBoost).where(PlayerBoost.purchase_id == purchase_id).values(ends_at=ends_at)
    )


def find_use(session: Session, app_id: int, key: str) -> ItemUse | None:
    return session.scalar(select(ItemUse).where(ItemUse.app_id == app_id, ItemUse.key == key))


def insert_use(session: Session, values: dict[str, Any]) -> int | None:
    """The new use's id, or None if its key was taken meanwhile."""
    bulk = BulkWriter(session)
    rows = bulk.insert_returning(
        "INSERT INTO item_uses (app_id, key, player_id, item, quantity, result, actor, used_at)",
        "(?, ?, ?, ?, ?, ?json, ?, ?)",
        "ON CONFLICT (app_id, key) DO NOTHING RETURNING id",
        [
            (
                values["app_id"],
                values["key"],
                values["player_id"],
                values["item"],
                values["quantity"],
                bulk.json(values["result"]),
                values["actor"],
                bulk.timestamp(values["used_at"]),
            )
        ],
    )
    return int(rows[0][0]) if rows else None


def set_use_result(session: Session, use_id: int, result: dict[str, Any]) -> None:
    session.execute(update(ItemUse).where(ItemUse.id == use_id).values(result=result))
