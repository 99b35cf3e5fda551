"""A game with a shop, for the economy's tests, and what they check of the ledger."""

from __future__ import annotations

from sqlalchemy import select

from questline.storage.database import Database
from questline.storage.models import Balance, LedgerEntry, Player

SHOP_GAME = """
currencies:
  xp: {levels: {thresholds: [0, 100, 300]}}
  gems: {name: Gems, spendable: true}
  hearts: {max: 5}
metrics:
  lessons: {count: lesson}
rules:
  - {id: lesson-xp, on: lesson, award: {xp: "default(event.xp, 10)"}}
  - {id: lesson-gems, on: lesson, award: {gems: "default(event.gems, 10)"}}
streaks:
  daily: {name: Daily practice, on: lesson, when: "metric.lessons.today >= 1", freezes: {max: 2}}
boosts:
  double-xp: {name: Double XP, multiply: {xp: 2}, duration_minutes: 15}
shop:
  items:
    owl: {name: {en: Golden owl, es: Búho dorado}, category: cosmetics, max: 1}
    potion: {name: XP potion, activates: double-xp, expires_after: 7d}
    hint: {name: Hint, consumable: true}
  offers:
    - id: freeze
      name: Streak freeze
      price: {gems: 20}
      gives: {streak_freezes: {daily: 1}}
      limit: {per_day: 1}
    - {id: boost, name: Double XP, price: {gems: 10}, gives: {boost: double-xp}}
    - {id: owl, name: Golden owl, price: {gems: 10}, gives: {items: {owl: 1}}, stock: 8}
    - {id: potion, name: XP potion, price: {gems: 5}, gives: {items: {potion: 1}}}
    - {id: hints, name: Three hints, price: {gems: 3}, gives: {items: {hint: 3}}}
    - {id: hearts, name: Hearts, price: {gems: 10}, gives: {currencies: {hearts: 5}}}
    - {id: veteran, price: {gems: 1}, gives: {items: {hint: 1}}, requires: "level.xp >= 3"}
    - id: retro
      price: {gems: 1}
      gives: {items: {hint: 1}}
      starts: 2020-01-01T00:00:00Z
      ends: 2020-02-01T00:00:00Z
"""


def ledger_chains(database: Database, app_id: int) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """(player, currency) -> [(amount, balance_after)] in the order they were written."""
    chains: dict[tuple[str, str], list[tuple[int, int]]] = {}
    with database.reader() as session:
        rows = session.execute(
            select(
                Player.external_id,
                LedgerEntry.currency,
                LedgerEntry.amount,
                LedgerEntry.balance_after,
            )
            .join(Player, Player.id == LedgerEntry.player_id)
            .where(LedgerEntry.app_id == app_id)
            .order_by(LedgerEntry.id)
        )
        for who, currency, amount, after in rows:
            chains.setdefault((who, currency), []).append((amount, after))
    return chains


def balances(database: Database, app_id: int) -> dict[tuple[str, str], int]:
    with database.reader() as session:
        rows = session.execute(
            select(Player.external_id, Balance.currency, Balance.balance)
            .join(Player, Player.id == Balance.player_id)
            .where(Player.app_id == app_id)
        )
        return {(who, currency): balance for who, currency, balance in rows}


def assert_ledger_consistent(database: Database, app_id: int) -> None:
    """Every entry's balance_after is the one before plus its amount, never below zero,
    and the last one is the stored balance: sum(ledger) == balance, per currency."""
    stored = balances(database, app_id)
    for (who, currency), chain in ledger_chains(database, app_id).items():
        running = 0
        for amount, after in chain:
            running += amount
            assert after == running, f"{who}/{currency}: {chain}"
            assert after >= 0, f"{who}/{currency} went below zero: {chain}"
        assert stored[(who, currency)] == running, f"{who}/{currency}"
