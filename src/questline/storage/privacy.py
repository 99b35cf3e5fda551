"""What is held about one player, and erasing the personal part of it.

Erasure keeps every number: balances, counters, ledger entries and the events' types and
times stay, attached to a pseudonym, so app-wide totals and counts do not change. What
identifies or describes the person goes: the host's id for them, their display name,
locale and attributes, the free-form properties of their events, and their purchases,
inventory, item uses and boosts (an offer's units sold stay sold).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import String, select, update
from sqlalchemy.orm import Session

from questline.storage.dry_runs import forget_player_in_dry_runs
from questline.storage.economy import erase_economy
from questline.storage.economy_tables import InventoryItem, ItemUse, PlayerBoost, Purchase
from questline.storage.models import (
    AchievementAward,
    Balance,
    Counter,
    Event,
    LedgerEntry,
    Player,
    QuestCompletion,
    QuestJoin,
    StreakFreezeUse,
    StreakRow,
)

ERASED_PREFIX = "erased-"


class PlayerData(Protocol):
    """What a module (learning, …) holds about a player: exported with the rest under
    its name, and deleted when the player is erased."""

    name: str

    def export(self, session: Session, player_id: int) -> dict[str, Any]: ...

    def erase(self, session: Session, player_id: int) -> None: ...


def lock_player(session: Session, app_id: int, external_id: str) -> Player | None:
    return session.scalar(
        select(Player)
        .where(Player.app_id == app_id, Player.external_id == external_id)
        .with_for_update()
    )


def export_player(session: Session, player: Player) -> dict[str, Any]:
    events = session.execute(
        select(Event).where(Event.player_id == player.id).order_by(Event.seq)
    ).scalars()
    ledger = session.execute(
        select(LedgerEntry).where(LedgerEntry.player_id == player.id).order_by(LedgerEntry.id)
    ).scalars()
    balances = session.scalars(select(Balance).where(Balance.player_id == player.id))
    counters = session.scalars(select(Counter).where(Counter.player_id == player.id))
    return {
        **_export_mechanics(session, player.id),
        **_export_economy(session, player.id),
        "player": {
            "id": player.external_id,
            "display_name": player.display_name,
            "avatar_url": player.avatar_url,
            "time_zone": player.time_zone,
            "locale": player.locale,
            "attributes": player.attributes,
            "created_at": player.created_at,
            "updated_at": player.updated_at,
        },
        "balances": {
            row.currency: {"balance": row.balance, "earned": row.earned} for row in balances
        },
        "counters": [
            {"key": row.key, "period": row.period, "value": row.value} for row in counters
        ],
        "events": [
            {
                "id": event.key,
                "type": event.type,
                "time": event.occurred_at,
                "received_at": event.received_at,
                "time_zone": event.time_zone,
                "properties": event.properties,
                "item": event.item_key,
                "status": event.status,
            }
            for event in events
        ],
        "ledger": [
            {
                "id": entry.id,
                "currency": entry.currency,
                "amount": entry.amount,
                "balance_after": entry.balance_after,
                "cause": entry.cause,
                "cause_id": entry.cause_id,
                "explanation": entry.explanation,
                "created_at": entry.created_at,
            }
            for entry in ledger
        ],
    }


def _export_mechanics(session: Session, player_id: int) -> dict[str, Any]:
    awards = session.scalars(
        select(AchievementAward)
        .where(AchievementAward.player_id == player_id)
        .order_by(AchievementAward.id)
    )
    streaks = session.scalars(select(StreakRow).where(StreakRow.player_id == player_id))
    freeze_uses = session.scalars(
        select(StreakFreezeUse)
        .where(StreakFreezeUse.player_id == player_id)
        .order_by(StreakFreezeUse.id)
    )
    completions = session.scalars(
        select(QuestCompletion)
        .where(QuestCompletion.player_id == player_id)
        .order_by(QuestCompletion.id)
    )
    joins = session.scalars(select(QuestJoin).where(QuestJoin.player_id == player_id))
    return {
        "achievements": [
            {
                "achievement": row.achievement,
                "tier": row.tier or None,
                "period": row.period,
                "value": row.value,
                "target": row.target,
                "rewards": row.rewards,
                "awarded_at": row.awarded_at,
            }
            for row in awards
        ],
        "streaks": [
            {
                "key": row.key,
                "current": row.current,
                "longest": row.longest,
                "started_on": row.started_on,
                "last_on": row.last_on,
                "time_zone": row.last_zone,
                "freezes": row.freezes,
            }
            for row in streaks
        ],
        "streak_freezes_used": [
            {"key": row.key, "covered": row.covered, "used_at": row.used_at} for row in freeze_uses
        ],
        "quests": [
            {
                "quest": row.quest,
                "instance": row.instance,
                "objectives": row.objectives,
                "rewards": row.rewards,
                "completed_at": row.completed_at,
            }
            for row in completions
        ],
        "quests_joined": [{"quest": row.quest, "joined_at": row.joined_at} for row in joins],
    }


def _export_economy(session: Session, player_id: int) -> dict[str, Any]:
    purchases = session.scalars(
        select(Purchase).where(Purchase.player_id == player_id).order_by(Purchase.id)
    )
    held = session.scalars(
        select(InventoryItem).where(InventoryItem.player_id == player_id).order_by(InventoryItem.id)
    )
    uses = session.scalars(
        select(ItemUse).where(ItemUse.player_id == player_id).order_by(ItemUse.id)
    )
    boosts = session.scalars(
        select(PlayerBoost).where(PlayerBoost.player_id == player_id).order_by(PlayerBoost.id)
    )
    return {
        "purchases": [
            {
                "id": row.key,
                "offer": row.offer,
                "quantity": row.quantity,
                "price": row.price,
                "granted": row.granted,
                "status": row.status,
                "created_at": row.created_at,
                "refunded_at": row.refunded_at,
            }
            for row in purchases
        ],
        "inventory": [
            {
                "item": row.item,
                "quantity": row.quantity,
                "remaining": row.remaining,
                "granted_at": row.granted_at,
                "expires_at": row.expires_at,
            }
            for row in held
        ],
        "item_uses": [
            {"id": row.key, "item": row.item, "quantity": row.quantity, "used_at": row.used_at}
            for row in uses
        ],
        "boosts": [
            {
                "boost": row.boost,
                "multiply": row.factors,
                "starts_at": row.starts_at,
                "ends_at": row.ends_at,
            }
            for row in boosts
        ],
    }


def erase_player(session: Session, player: Player) -> str:
    """Strip the player's personal data; returns the pseudonym the numbers now belong to."""
    now = datetime.now(UTC)
    pseudonym = ERASED_PREFIX + secrets.token_hex(12)
    # Before the event ids change: a dry run's report names failed events by them.
    forget_player_in_dry_runs(
        session, player.app_id, player.id, player.external_id, pseudonym, erased_event_key
    )
    player.external_id = pseudonym
    player.display_name = None
    player.avatar_url = None
    player.locale = None
    player.attributes = {}
    player.erased_at = now
    player.updated_at = now
    # The client's idempotency keys may embed the person's id: replace them too.
    session.execute(
        update(Event)
        .where(Event.player_id == player.id)
        .values(properties={}, key=ERASED_PREFIX + Event.seq.cast(String))
    )  # as erased_event_key
    # What they bought, hold and used goes (its ids are the client's, and may name them);
    # the ledger keeps the amounts.
    erase_economy(session, player.id)
    session.flush()
    return pseudonym


def erased_event_key(seq: int) -> str:
    """The id an erased player's event is known by once its own is gone."""
    return f"{ERASED_PREFIX}{seq}"
