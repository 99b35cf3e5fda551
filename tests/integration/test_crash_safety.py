"""A worker killed between writing effects and committing loses and doubles nothing."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import TimeoutError as PoolTimeout

from questline.processing.designs import DesignCache
from questline.processing.ingest import NewEvent, ingest
from questline.processing.worker import Worker
from questline.storage import configs
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from questline.storage.models import Balance, Event, LedgerEntry

ROOT = Path(__file__).resolve().parents[2]
DESIGN = {"currencies": {"xp": {}}, "rules": [{"id": "r", "on": "did", "award": {"xp": "event.n"}}]}


def _publish_and_append(database: Database, count: int) -> None:
    """The design, and events 1..count of one player: each awards its number in xp."""
    with database.transaction() as session:
        app = ensure_app(session, "default")
        configs.publish(session, app.id, DESIGN, source=None, comment=None, created_by=None)
        numbers = range(1, count + 1)
        events = [NewEvent("did", "p", key=f"e{n}", properties={"n": n}) for n in numbers]
        ingest(session, app.id, events, datetime.now(UTC))


def test_a_worker_killed_before_commit_leaves_events_pending_and_a_restart_awards_once(
    database_url: str,
) -> None:
    database = Database(database_url)
    try:
        _publish_and_append(database, 10)

        crashed = subprocess.run(
            [sys.executable, "-m", "tests.support.crash_worker", database_url],
            cwd=ROOT,
            capture_output=True,
            timeout=60,
        )
        assert crashed.returncode == 86, crashed.stderr.decode()

        with database.reader() as session:
            assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 0
            assert session.scalar(select(func.count()).where(Event.status == "pending")) == 10

        assert Worker(database, DesignCache()).drain() == 10
        assert Worker(database, DesignCache()).drain() == 0  # a second restart finds nothing to do
        with database.reader() as session:
            assert session.scalar(select(Balance.balance)) == 55
            assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 10
    finally:
        database.dispose()


def test_a_batch_interrupted_by_a_pool_timeout_leaves_its_events_pending(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLAlchemy's pool TimeoutError, raised in the middle of a batch (injected into the
    engine step: the error a batch meets when the pool stays exhausted past its timeout),
    says nothing against the events: they must stay pending for the next try, not be
    marked failed one by one."""
    import questline.processing.batch as batch

    real_step = batch.step
    inject_timeout = True

    def step(state: Any, event: Any, design: Any) -> Any:
        if inject_timeout:
            raise PoolTimeout("QueuePool limit of size 10 overflow 20 reached")
        return real_step(state, event, design)

    monkeypatch.setattr(batch, "step", step)
    database = Database(database_url)
    try:
        _publish_and_append(database, 3)
        worker = Worker(database, DesignCache())

        with pytest.raises(PoolTimeout):
            worker.drain()
        with database.reader() as session:
            assert session.scalar(select(func.count()).where(Event.status == "pending")) == 3

        inject_timeout = False
        assert worker.drain() == 3
        with database.reader() as session:
            assert session.scalar(select(Balance.balance)) == 6
    finally:
        database.dispose()
