"""Players and what is projected onto them: balances, counters, the ledger."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from questline.errors import UnknownPlayer
from questline.storage.bulk import BulkWriter, as_utc
from questline.storage.models import Counter, Event, Player
from questline.storage.types import loads_json

# The reads every page and most API calls make, built once: building and keying a
# statement cost SQLAlchemy more than SQLite takes to run it.
_PLAYER = select(Player).where(
    Player.app_id == bindparam("app_id"), Player.external_id == bindparam("external_id")
)
# Read-only ones go straight to the driver (`BulkWriter.fetch`) and answer named tuples:
# SQLAlchemy's statement and row machinery cost several times the query itself.
_PLAYER_ROW = (
    "SELECT id, app_id, external_id, display_name, avatar_url, time_zone, locale FROM players"
    " WHERE app_id = ? AND external_id = ?"
)
_BALANCES = "SELECT currency, balance, earned, spent FROM balances WHERE player_id = ?"


class PlayerRow(NamedTuple):
    """Who a player is, for a read that changes nothing (every player page's)."""

    id: int
    app_id: int
    external_id: str
    display_name: str | None
    avatar_url: str | None
    time_zone: str
    locale: str | None


class LedgerRow(NamedTuple):
    """A ledger entry, and the key of the event behind it (None where no event caused
    it, as for a purchase)."""

    id: int
    currency: str
    amount: int
    balance_after: int
    cause: str
    cause_id: str
    config_version: int | None
    explanation: str
    breakdown: dict[str, Any]
    created_at: datetime
    event_key: str | None


# A player's ledger, newest first (the filters and the page are added per call).
_LEDGER = (
    "SELECT l.id, l.currency, l.amount, l.balance_after, l.cause, l.cause_id,"
    " l.config_version, l.explanation, l.breakdown, l.created_at, e.key"
    " FROM ledger_entries l LEFT JOIN events e ON e.seq = l.event_seq WHERE l.player_id = ?"
)


class BalanceRow(NamedTuple):
    currency: str
    balance: int
    earned: int
    spent: int


def get_player(session: Session, app_id: int, external_id: str) -> Player | None:
    return session.scalar(_PLAYER, {"app_id": app_id, "external_id": external_id})


def player_row(session: Session, app_id: int, external_id: str) -> PlayerRow | None:
    """`get_player` for a read that changes nothing (every player page's): who the
    player is, by the model's names."""
    found = BulkWriter(session).fetch(_PLAYER_ROW, app_id, external_id)
    return PlayerRow(*found[0]) if found else None


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


def balances_of(session: Session, player_id: int) -> list[BalanceRow]:
    """The player's balances: rows of currency, balance, earned and spent."""
    return [BalanceRow(*row) for row in BulkWriter(session).fetch(_BALANCES, player_id)]


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
) -> list[LedgerRow]:
    """Up to ``limit`` of a player's ledger entries, newest first, each with the key of
    the event behind it (None where no event caused it)."""
    statement = _LEDGER
    params: list[Any] = [player_id]
    if currency is not None:
        statement += " AND l.currency = ?"
        params.append(currency)
    if cause is not None:
        statement += " AND l.cause = ?"
        params.append(cause)
    if before_id is not None:
        statement += " AND l.id < ?"
        params.append(before_id)
    rows = BulkWriter(session).fetch(statement + " ORDER BY l.id DESC LIMIT ?", *params, limit)
    return [_ledger_row(*row) for row in rows]


def _ledger_row(*values: Any) -> LedgerRow:
    # Read through the driver: SQLite hands back JSON and timestamps as text.
    *entry, breakdown, created_at, event_key = values
    if not isinstance(breakdown, dict):
        breakdown = loads_json(breakdown)
    return LedgerRow._make((*entry, breakdown, as_utc(created_at), event_key))


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
