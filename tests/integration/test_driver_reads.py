"""Reads that go straight to the database driver (`BulkWriter.fetch`): the same values
and types as the ORM reads of the same rows, and SQLAlchemy's errors, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from questline.storage.bulk import BulkWriter
from questline.storage.database import Database
from questline.storage.models import LedgerEntry, Player
from questline.storage.players import ledger_page, player_row
from tests.integration.conftest import Api

DESIGN = """
currencies: {xp: {}}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
"""


def _database(client: TestClient) -> Database:
    database: Database = client.app.state.questline.database  # type: ignore[attr-defined]
    return database


def test_driver_rows_match_the_orm_rows(api: Api, client: TestClient) -> None:
    api.publish(DESIGN)
    for n in (3, 5, 8):
        api.event("ada", "did", n=n)
    with _database(client).reader() as session:
        player = session.scalars(select(Player).where(Player.external_id == "ada")).one()
        mapped = session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.player_id == player.id)
            .order_by(LedgerEntry.id.desc())
        ).all()
        row = player_row(session, player.app_id, "ada")
        page = ledger_page(session, player.id, 10, before_id=None, currency=None)
        assert row is not None
        assert (row.id, row.app_id, row.external_id, row.time_zone) == (
            player.id,
            player.app_id,
            "ada",
            player.time_zone,
        )
        assert [e.amount for e in page] == [8, 5, 3]
        for entry, orm in zip(page, mapped, strict=True):
            assert isinstance(entry.created_at, datetime)
            assert entry.created_at == orm.created_at  # aware, to the microsecond
            assert entry.breakdown == orm.breakdown  # JSON as objects on both databases
            assert (entry.balance_after, entry.explanation) == (
                orm.balance_after,
                orm.explanation,
            )
            assert entry.event_key is not None


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(client: TestClient) -> None:
    with _database(client).reader() as session, pytest.raises(DBAPIError) as raised:
        BulkWriter(session).fetch("SELECT missing FROM players WHERE id = ?", 1)
    assert "missing" in str(raised.value.orig)  # the driver's own error, kept
    assert raised.value.connection_invalidated is False  # a bad statement, not a lost link
    with _database(client).reader() as session:  # the pool still serves
        assert BulkWriter(session).fetch("SELECT COUNT(*) FROM players WHERE app_id = ?", 1)


def test_a_list_placeholder_takes_any_number_of_values(api: Api, client: TestClient) -> None:
    api.publish(DESIGN)
    for name in ("ada", "bo", "cy"):
        api.event(name, "did", n=1)
    with _database(client).reader() as session:
        bulk = BulkWriter(session)
        text = "SELECT external_id FROM players WHERE external_id IN ?list AND app_id = ?"
        assert sorted(r[0] for r in bulk.fetch(text, ["ada", "cy", "zed"], 1)) == ["ada", "cy"]
        assert bulk.fetch(text, ["bo"], 1) == [("bo",)]
        with pytest.raises(ValueError, match="2 placeholders, 1 parameters"):
            bulk.fetch(text, ["bo"])
