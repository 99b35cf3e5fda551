"""The outbox: notifications commit in the transaction of the effects that cause them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from questline.notifications.tables import Notification
from questline.notifications.worker_wiring import install_worker
from questline.processing.batch import Processed
from questline.processing.designs import DesignCache
from questline.processing.ingest import NewEvent, ingest
from questline.processing.worker import Worker
from questline.settings import Settings
from questline.storage import configs
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from questline.storage.models import Event, LedgerEntry

DESIGN = {"currencies": {"xp": {}}, "rules": [{"id": "r", "on": "did", "award": {"xp": "1"}}]}


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    with database.transaction() as session:
        app = ensure_app(session, "default")
        configs.publish(session, app.id, DESIGN, source=None, comment=None, created_by=None)
        events = [NewEvent("did", f"p{n % 3}", key=f"e{n}") for n in range(9)]
        ingest(session, app.id, events, datetime.now(UTC))
    yield database
    database.dispose()


def counts(database: Database) -> tuple[int, int, int]:
    with database.reader() as session:
        return (
            session.scalar(select(func.count()).select_from(Notification)) or 0,
            session.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
            session.scalar(select(func.count()).where(Event.status == "pending")) or 0,
        )


def test_a_batch_that_does_not_commit_leaves_no_notification_and_a_retry_writes_each_once(
    database: Database, database_url: str
) -> None:
    worker = Worker(database, DesignCache())
    install_worker(worker, Settings(database_url=database_url))
    broken = True

    def after_the_notifications(session: Session, results: Sequence[Processed]) -> None:
        if broken:  # the connection is lost after the notifications were written
            raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    worker.add_projection(after_the_notifications)
    with pytest.raises(OperationalError):
        worker.process_batch()
    assert counts(database) == (0, 0, 9)

    broken = False
    assert worker.drain() == 9
    assert worker.drain() == 0
    assert counts(database) == (9, 9, 0)
