"""Queries of the economy: the player's lock, purchases and units sold, and the ledger
and balance writes a purchase or a refund makes. (What a player holds — items, boosts,
uses — is in `inventories`.)

Lock order (the workers', processing/worker.py): the player's row FOR NO KEY UPDATE
first, then — only for an offer with a stock — the offer's sales row FOR UPDATE. Workers
never lock a sales row, and nothing locks a player while holding one, so a purchase
waits for a batch of the player's events (or the other way round) but never deadlocks
with it. On SQLite the transaction's write lock (BEGIN IMMEDIATE) does all of this.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from questline.engine.periods import ALL_TIME
from questline.engine.purchases import BalanceChange
from questline.storage.bulk import BulkWriter
from questline.storage.economy_tables import (
    REFUNDED,
    InventoryItem,
    ItemUse,
    OfferSales,
    PlayerBoost,
    Purchase,
)
from questline.storage.models import LedgerEntry, Player


@dataclass(frozen=True)
class LockedPlayer:
    id: int
    external_id: str
    time_zone: str
    locale: str | None  # the player's: names in purchases' explanations are read in it


# The workers' lock (FOR NO KEY UPDATE, not FOR UPDATE: appending an event takes FOR KEY
# SHARE on its player, which this must not block). SQLite has no row locks: its
# transactions take the database's write lock at BEGIN IMMEDIATE.
_PLAYER_BY_KEY = "SELECT id, time_zone, locale FROM players WHERE app_id = ? AND external_id = ?"
_PLAYER_BY_ID = "SELECT external_id, time_zone, locale FROM players WHERE id = ?"
_LOCKED = " FOR NO KEY UPDATE"
_SALES = "SELECT sold FROM offer_sales WHERE app_id = ? AND offer = ?"


def lock_player(session: Session, app_id: int, external_id: str) -> LockedPlayer | None:
    """The player, its row locked as the workers lock it."""
    bulk = BulkWriter(session)
    query = _PLAYER_BY_KEY + _LOCKED if bulk.postgres else _PLAYER_BY_KEY
    found = bulk.fetch(query, app_id, external_id)
    return LockedPlayer(found[0][0], external_id, found[0][1], found[0][2]) if found else None


def lock_player_by_id(session: Session, player_id: int) -> LockedPlayer:
    bulk = BulkWriter(session)
    query = _PLAYER_BY_ID + _LOCKED if bulk.postgres else _PLAYER_BY_ID
    [(external_id, time_zone, locale)] = bulk.fetch(query, player_id)
    return LockedPlayer(player_id, external_id, time_zone, locale)


def find_purchase(session: Session, app_id: int, key: str) -> Purchase | None:
    # A look-up by key most often finds nothing (a new purchase): plain SQL first.
    found = BulkWriter(session).fetch(
        "SELECT id FROM purchases WHERE app_id = ? AND key = ?", app_id, key
    )
    if not found:
        return None
    return session.get(Purchase, found[0][0], populate_existing=True)


def purchases_page(
    session: Session, player_id: int, *, before_id: int | None, limit: int
) -> list[Purchase]:
    """The player's purchases, newest first, below `before_id`."""
    statement = select(Purchase).where(Purchase.player_id == player_id)
    if before_id is not None:
        statement = statement.where(Purchase.id < before_id)
    return list(session.scalars(statement.order_by(Purchase.id.desc()).limit(limit)))


def mark_refunded(session: Session, purchase_id: int, at: datetime, refund: dict[str, Any]) -> None:
    session.execute(
        update(Purchase)
        .where(Purchase.id == purchase_id)
        .values(status=REFUNDED, refunded_at=at, refund=refund)
    )


def player_id(session: Session, app_id: int, external_id: str) -> int | None:
    return session.scalar(
        select(Player.id).where(Player.app_id == app_id, Player.external_id == external_id)
    )


def external_id(session: Session, player_id: int) -> str:
    found = session.scalar(select(Player.external_id).where(Player.id == player_id))
    assert found is not None
    return found


def bought(
    session: Session, player_id: int, offers: Iterable[str], day: str, week: str
) -> dict[str, dict[str, int]]:
    """Units of each offer the player bought and kept: in all, on `day` and in `week`."""
    rows = BulkWriter(session).fetch(
        "SELECT offer, SUM(quantity),"
        " SUM(CASE WHEN local_day = ? THEN quantity ELSE 0 END),"
        " SUM(CASE WHEN local_week = ? THEN quantity ELSE 0 END)"
        " FROM purchases WHERE player_id = ? AND offer IN ?list AND status = 'completed'"
        " GROUP BY offer",
        day,
        week,
        player_id,
        sorted(set(offers)),
    )
    return {
        offer: {ALL_TIME: int(total), day: int(today), week: int(this_week)}
        for offer, total, today, this_week in rows
    }


def sold(session: Session, app_id: int, offers: Iterable[str]) -> dict[str, int]:
    rows = session.execute(
        select(OfferSales.offer, OfferSales.sold).where(
            OfferSales.app_id == app_id, OfferSales.offer.in_(set(offers))
        )
    )
    return {offer: int(count) for offer, count in rows}


def lock_sales(session: Session, app_id: int, offer: str) -> int:
    """Units of `offer` sold, its sales row locked until the transaction ends (taken
    after the player's lock: see the lock order above)."""
    bulk = BulkWriter(session)
    bulk.executemany(
        "INSERT INTO offer_sales (app_id, offer, sold) VALUES (?, ?, 0)"
        " ON CONFLICT (app_id, offer) DO NOTHING",
        [(app_id, offer)],
    )
    [(count,)] = bulk.fetch(_SALES + " FOR UPDATE" if bulk.postgres else _SALES, app_id, offer)
    return int(count)


def add_sold(session: Session, app_id: int, offer: str, units: int) -> None:
    BulkWriter(session).executemany(
        "UPDATE offer_sales SET sold = sold + ? WHERE app_id = ? AND offer = ?",
        [(units, app_id, offer)],
    )


def insert_purchase(session: Session, values: dict[str, Any]) -> int | None:
    """The new purchase's id, or None if its key was taken meanwhile (a concurrent call
    with the same id for another player, committed first)."""
    bulk = BulkWriter(session)
    columns = list(values)
    rows = bulk.insert_returning(
        f"INSERT INTO purchases ({', '.join(columns)})",
        "(" + ", ".join("?json" if _is_json(values[c]) else "?" for c in columns) + ")",
        "ON CONFLICT (app_id, key) DO NOTHING RETURNING id",
        [
            tuple(
                bulk.json(values[c])
                if _is_json(values[c])
                else bulk.timestamp(values[c])
                if isinstance(values[c], datetime)
                else values[c]
                for c in columns
            )
        ],
    )
    return int(rows[0][0]) if rows else None


def _is_json(value: Any) -> bool:
    return isinstance(value, dict | list)


def write_ledger(
    session: Session,
    app_id: int,
    player_id: int,
    purchase_id: int,
    cause: str,
    cause_id: str,
    config_version: int,
    changes: Sequence[BalanceChange],
    now: datetime,
) -> None:
    bulk = BulkWriter(session)
    stamp = bulk.timestamp(now)
    bulk.executemany(
        "INSERT INTO ledger_entries (app_id, player_id, currency, amount, balance_after, cause,"
        " cause_id, event_seq, purchase_id, config_version, explanation, breakdown, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?json, ?)",
        [
            (
                app_id,
                player_id,
                change.currency,
                change.amount,
                change.balance_after,
                cause,
                cause_id,
                purchase_id,
                config_version,
                change.explanation,
                bulk.json(change.breakdown),
                stamp,
            )
            for change in changes
        ],
    )


def write_balances(
    session: Session, player_id: int, after: Mapping[str, int], spent: Mapping[str, int]
) -> None:
    """Set balances (read under the player's lock) and add to what each has spent."""
    BulkWriter(session).executemany(
        "INSERT INTO balances (player_id, currency, balance, earned, spent) VALUES (?, ?, ?, 0, ?)"
        " ON CONFLICT (player_id, currency) DO UPDATE SET balance = excluded.balance,"
        " spent = balances.spent + excluded.spent",
        [(player_id, c, balance, spent.get(c, 0)) for c, balance in after.items()],
    )


def wallet_rows(session: Session, player_id: int) -> dict[str, tuple[int, int, int]]:
    """currency -> (balance, earned, spent)."""
    rows = BulkWriter(session).fetch(
        "SELECT currency, balance, earned, spent FROM balances WHERE player_id = ?", player_id
    )
    return {currency: (int(b), int(e), int(s)) for currency, b, e, s in rows}


def erase_economy(session: Session, player_id: int) -> None:
    """Remove what the player bought, holds and used; the ledger keeps its numbers, no
    longer linked to a purchase, under the pseudonym the player is erased to."""
    purchases = select(Purchase.id).where(Purchase.player_id == player_id)
    session.execute(
        update(LedgerEntry)
        .where(LedgerEntry.player_id == player_id, LedgerEntry.purchase_id.is_not(None))
        .values(purchase_id=None, cause_id="erased")
    )
    session.execute(delete(PlayerBoost).where(PlayerBoost.player_id == player_id))
    session.execute(delete(InventoryItem).where(InventoryItem.player_id == player_id))
    session.execute(delete(ItemUse).where(ItemUse.player_id == player_id))
    session.execute(delete(Purchase).where(Purchase.id.in_(purchases)))
