"""What the workers make of the economy, on both databases: boosts bought multiply the
awards of the events that happened while they ran, and a batch scored before a purchase
is redone rather than written over it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from questline.engine.effects import CurrencyAwarded
from questline.processing.batch import Batch
from questline.processing.designs import DesignCache
from questline.processing.ingest import NewEvent, ingest
from questline.processing.worker import Worker
from questline.services import purchases
from questline.storage import configs
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from questline.storage.models import Event as EventRow
from questline.storage.models import LedgerEntry
from questline.yamlfile import load_yaml
from tests.support.economy import SHOP_GAME, assert_ledger_consistent, balances


class Buyer:
    def __init__(self, app_id: int) -> None:
        self.app_id = app_id
        self.actor = "key:test"


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url, sqlite_synchronous="OFF")
    yield database
    database.dispose()


def _app(database: Database) -> int:
    with database.transaction() as session:
        app = ensure_app(session, "default")
        configs.publish(
            session, app.id, load_yaml(SHOP_GAME), source=None, comment=None, created_by=None
        )
        ingest(
            session,
            app.id,
            [NewEvent(type="lesson", player="zoe", properties={"gems": 30, "xp": 0})],
            datetime.now(UTC),
        )
        app_id = app.id
    Worker(database, DesignCache()).drain()
    return app_id


def _lesson(database: Database, app_id: int, key: str, at: datetime) -> None:
    with database.transaction() as session:
        event = NewEvent(
            type="lesson", player="zoe", key=key, occurred_at=at, properties={"gems": 0}
        )
        ingest(session, app_id, [event], datetime.now(UTC))


def _xp_amounts(database: Database) -> dict[str, int]:
    with database.reader() as session:
        rows = session.execute(
            select(EventRow.key, LedgerEntry.amount)
            .join(LedgerEntry, LedgerEntry.event_seq == EventRow.seq)
            .where(LedgerEntry.currency == "xp")
        )
        return dict(rows.all())


def test_a_boost_multiplies_the_events_that_happened_while_it_ran(database: Database) -> None:
    app_id = _app(database)
    with database.transaction() as session:
        bought = purchases.buy(session, DesignCache(), Buyer(app_id), "zoe", "boost", 1, "b")
    window = bought.purchase.granted["boost"]
    starts = datetime.fromisoformat(window["starts_at"])
    ends = datetime.fromisoformat(window["ends_at"])
    # Sent after the boost ended, each says when it happened: the worker goes by that.
    _lesson(database, app_id, "before", starts - timedelta(minutes=1))
    _lesson(database, app_id, "during", starts + timedelta(minutes=1))
    _lesson(database, app_id, "last-minute", ends - timedelta(seconds=1))
    _lesson(database, app_id, "after", ends)
    Worker(database, DesignCache()).drain(batch=2)
    assert _xp_amounts(database) == {"before": 10, "during": 20, "last-minute": 20, "after": 10}
    assert_ledger_consistent(database, app_id)


def test_a_batch_scored_before_a_purchase_is_redone_not_written_over_it(
    database: Database,
) -> None:
    app_id = _app(database)
    _lesson(database, app_id, "late", datetime.now(UTC) + timedelta(seconds=5))
    designs = DesignCache()
    with database.reader() as session:
        rows = session.execute(
            select(
                EventRow.seq,
                EventRow.app_id,
                EventRow.player_id,
                EventRow.type,
                EventRow.occurred_at,
                EventRow.time_zone,
                EventRow.properties,
                EventRow.item_key,
                EventRow.received_at,
            ).where(EventRow.status == "pending")
        ).all()
        batch = Batch.load(session, designs, rows)
    [row] = rows
    scored = batch.run(row)  # on the snapshot: 30 gems, no boost
    assert scored.effects is not None
    assert [a.amount for a in scored.effects.of_kind(CurrencyAwarded) if a.currency == "xp"] == [10]
    with database.transaction() as session:
        purchases.buy(session, designs, Buyer(app_id), "zoe", "boost", 1, "b")

    def write_stale_batch() -> None:
        with database.transaction() as session:
            if not batch.write(session, verify=True):
                raise LookupError("overtaken")  # as the worker does: roll it all back

    with pytest.raises(LookupError, match="overtaken"):
        write_stale_batch()
    Worker(database, DesignCache()).drain()
    # The debit survives, and the event, redone, sees the boost it happened under.
    assert balances(database, app_id)[("zoe", "gems")] == 20
    assert _xp_amounts(database)["late"] == 20
    assert_ledger_consistent(database, app_id)
