"""Players and what is projected onto them: balances, counters, the ledger."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from questline.errors import UnknownPlayer
from questline.storage.models import Balance, Counter, Event, LedgerEntry, Player

# The reads every page and most API calls make, built once: building and keying a
# statement cost SQLAlchemy more than SQLite takes to run it. Read-only ones select the
# table's columns rather than mapped objects: rows cost a third of entities to load.
_PLAYER = select(Player).where(
    Player.app_id == bindparam("app_id"), Player.external_id == bindparam("external_id")
)
_PLAYER_COLUMNS = Player.__table__.c
_PLAYER_ROW = select(*_PLAYER_COLUMNS).where(
    _PLAYER_COLUMNS.app_id == bindparam("app_id"),
    _PLAYER_COLUMNS.external_id == bindparam("external_id"),
)
_BALANCE = Balance.__table__.c
_BALANCES = select(_BALANCE.currency, _BALANCE.balance, _BALANCE.earned, _BALANCE.spent).where(
    _BALANCE.player_id == bindparam("player_id")
)


def get_player(session: Session, app_id: int, external_id: str) -> Player | None:
    return session.scalar(_PLAYER, {"app_id": app_id, "external_id": external_id})


def player_row(session: Session, app_id: int, external_id: str) -> Row[Any] | None:
    """`get_player` for a read that changes nothing (every player page's): the player's
    columns as a row, by the same names."""
    found = session.execute(_PLAYER_ROW, {"app_id": app_id, "external_id": external_id})
    return found.first()


def profiles_of(
    session: Session, app_id: int, external_ids: Iterable[str]
) -> dict[str, tuple[str | None, str | None]]:
    """Display name and avatar URL of each of these players, in one query (a page of a
    board or a league group shows them beside each standing)."""
    wanted = set(external_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(Player.external_id, Player.display_name, Player.avatar_url).where(
            Player.app_id == app_id, Player.external_id.in_(wanted)
        )
    )
    return {external_id: (name, avatar) for external_id, name, avatar in rows}


def find_player(session: Session, app_id: int, external_id: str) -> Player:
    """The player, or the 404 every endpoint answers for an id the app has never seen."""
    player = get_player(session, app_id, external_id)
    if player is None:
        raise UnknownPlayer(external_id)
    return player


def ensure_player(session: Session, app_id: int, external_id: str, now: datetime) -> Player:
    """The player, created on first sight as an event would create them (time zone UTC
    until the host app says otherwise)."""
    found = get_player(session, app_id, external_id)
    if found is not None:
        return found
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # DO NOTHING: a concurrent request may create the same player first.
    session.execute(
        insert(Player)
        .values(
            app_id=app_id,
            external_id=external_id,
            time_zone="UTC",
            attributes={},
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["app_id", "external_id"])
    )
    created = get_player(session, app_id, external_id)
    assert created is not None
    return created


def balances_of(session: Session, player_id: int) -> list[Row[tuple[str, int, int, int]]]:
    """The player's balances: rows of currency, balance, earned and spent."""
    return list(session.execute(_BALANCES, {"player_id": player_id}))


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
    session: Session,
    player_id: int,
    limit: int,
    *,
    before_id: int | None,
    currency: str | None,
    cause: str | None = None,
) -> list[Row[Any]]:
    """Up to ``limit`` of a player's ledger entries, newest first: rows of the entry's
    columns and `event_key`, the key of the event behind it (None for a grant, a
    purchase, …)."""
    statement = _ledger_statement(before_id is not None, currency is not None, cause is not None)
    values = {
        "player_id": player_id,
        "limit": limit,
        "before_id": before_id,
        "currency": currency,
        "cause": cause,
    }
    return list(session.execute(statement, values))


@cache
def _ledger_statement(before: bool, currency: bool, cause: bool) -> Select[Any]:
    """The ledger's page with these filters, built once (see `_PLAYER`); the event's key
    is None where no event caused the entry (an outer join)."""
    entry, event = LedgerEntry.__table__.c, Event.__table__.c
    statement = (
        select(*entry, event.key.label("event_key"))
        .select_from(LedgerEntry.__table__.outerjoin(Event.__table__, event.seq == entry.event_seq))
        .where(entry.player_id == bindparam("player_id"))
    )
    if currency:
        statement = statement.where(entry.currency == bindparam("currency"))
    if cause:
        statement = statement.where(entry.cause == bindparam("cause"))
    if before:
        statement = statement.where(entry.id < bindparam("before_id"))
    return statement.order_by(entry.id.desc()).limit(bindparam("limit"))


def search_players(app_id: int, text: str) -> Select[tuple[Player]]:
    """Players whose id starts with `text` or whose display name contains it (any case),
    by id."""
    pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (
        select(Player)
        .where(
            Player.app_id == app_id,
            Player.external_id.like(f"{pattern}%", escape="\\")
            | Player.display_name.ilike(f"%{pattern}%", escape="\\"),
        )
        .order_by(Player.external_id)
    )


def recent_events(player_id: int) -> Select[tuple[Event]]:
    """A player's events, the last processed first (on the index of their order)."""
    return select(Event).where(Event.player_id == player_id).order_by(Event.seq.desc())


def event_by_key(session: Session, app_id: int, key: str) -> tuple[Event, str] | None:
    """An event of the app by its id, with the id of the player it is about."""
    return (
        session.execute(
            select(Event, Player.external_id)
            .join(Player, Player.id == Event.player_id)
            .where(Event.app_id == app_id, Event.key == key)
        )
        .tuples()
        .first()
    )
