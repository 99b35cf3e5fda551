"""Players and what is projected onto them: balances, counters, the ledger."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from questline.storage.models import Balance, Counter, LedgerEntry, Player


def get_player(session: Session, app_id: int, external_id: str) -> Player | None:
    return session.scalar(
        select(Player).where(Player.app_id == app_id, Player.external_id == external_id)
    )


def balances_of(session: Session, player_id: int) -> list[Balance]:
    return list(session.scalars(select(Balance).where(Balance.player_id == player_id)))


def counters_of(
    session: Session, player_id: int, periods: Iterable[str]
) -> dict[tuple[str, str], int]:
    rows = session.execute(
        select(Counter.key, Counter.period, Counter.value).where(
            Counter.player_id == player_id, Counter.period.in_(set(periods))
        )
    )
    return {(key, period): value for key, period, value in rows}


def ledger_page(
    player_id: int, *, before_id: int | None, currency: str | None
) -> Select[tuple[LedgerEntry]]:
    statement = select(LedgerEntry).where(LedgerEntry.player_id == player_id)
    if currency is not None:
        statement = statement.where(LedgerEntry.currency == currency)
    if before_id is not None:
        statement = statement.where(LedgerEntry.id < before_id)
    return statement.order_by(LedgerEntry.id.desc())
