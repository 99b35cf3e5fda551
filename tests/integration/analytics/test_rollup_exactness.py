"""The rollups' promise as an invariant: whatever the order, batching and redelivery of
events, the rollups the workers keep equal a rebuild from the event log — including
events dated before a player's first day, which move it (and the cohort it counts in)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from questline.analytics.rebuild import rebuild
from questline.analytics.store import TABLES
from questline.analytics.worker_wiring import install_worker
from questline.processing.ingest import NewEvent, ingest
from questline.processing.worker import Worker
from questline.storage import configs
from questline.storage.apps import ensure_app
from questline.storage.database import Database

# Rules that award in two currencies, one of them sometimes negative, and an event type
# the design cannot score without its property (marked failed, so not counted).
DESIGN = {
    "currencies": {"xp": {}, "gems": {}},
    "rules": [
        {"id": "xp", "on": "did", "award": {"xp": "event.n"}},
        {"id": "gems", "on": "did", "when": "event.n > 5", "award": {"gems": "event.n - 8"}},
        {"id": "strict", "on": "strict", "award": {"xp": "event.n"}},
    ],
}
START = datetime(2026, 3, 2, 12, tzinfo=UTC)  # a Monday; Paris changes to summer time on 29 March
_examples = itertools.count()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    handle = Database(database_url)
    yield handle
    handle.dispose()


def _rows(database: Database, app_id: int) -> dict[str, list[tuple[Any, ...]]]:
    found = {}
    with database.reader() as session:
        for table in TABLES[:3]:  # the rollups (snapshots are computed, not rolled up)
            rows = session.execute(
                text(f"SELECT * FROM {table} WHERE app_id = :app"),
                {"app": app_id},
            )
            found[table] = sorted(tuple(str(v) for v in row) for row in rows)
    return found


log_entries = st.lists(
    st.tuples(
        st.integers(0, 3),  # which player
        st.sampled_from(["did", "did", "did", "strict"]),
        st.integers(0, 60 * 24),  # hours after START: up to 60 days
        st.integers(0, 12),  # event.n ("strict" events without it fail)
    ),
    min_size=1,
    max_size=30,
)
# How the workers take the log: (which players, or all; batch size), until none are left.
drains = st.lists(
    st.tuples(st.one_of(st.none(), st.sets(st.integers(0, 3), min_size=1)), st.integers(1, 7)),
    max_size=4,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    log=log_entries,
    order=drains,
    zone=st.sampled_from(["UTC", "Europe/Paris", "Pacific/Kiritimati"]),
    split=st.integers(0, 30),
)
def test_incremental_rollups_equal_a_rebuild_from_the_log(
    database: Database,
    log: list[tuple[int, str, int, int]],
    order: list[tuple[set[int] | None, int]],
    zone: str,
    split: int,
) -> None:
    example = next(_examples)
    with database.transaction() as session:
        app = ensure_app(session, f"rollups-{example}", "Rollups")
        app.settings = {"time_zone": zone}
        app_id = app.id
        configs.publish(session, app_id, DESIGN, source=None, comment=None, created_by=None)
    worker = Worker(database)
    install_worker(worker)

    def append(entries: list[tuple[int, str, int, int]], first: int) -> None:
        events = [
            NewEvent(
                type_,
                f"p{who}",
                key=f"e{first + number}",
                occurred_at=START + timedelta(hours=hours),
                properties={"n": n} if type_ == "did" or n % 2 else {},
            )
            for number, (who, type_, hours, n) in enumerate(entries)
        ]
        with database.transaction() as session:
            ingest(session, app_id, events, datetime.now(UTC))

    # Part of the log is processed before the rest is appended, so later events can be
    # dated before the first day the rollups already hold.
    append(log[:split], 0)
    _drain(database, worker, app_id, order)
    append(log[split:], split)
    _drain(database, worker, app_id, order)
    # Redelivery: every event sent again (same keys), and the workers run again.
    append(log, 0)
    _drain(database, worker, app_id, order)

    incremental = _rows(database, app_id)
    rebuild(database, app_id)
    assert _rows(database, app_id) == incremental


def _drain(
    database: Database, worker: Worker, app_id: int, order: list[tuple[set[int] | None, int]]
) -> None:
    with database.reader() as session:
        ids = dict(
            session.execute(
                text("SELECT external_id, id FROM players WHERE app_id = :app"), {"app": app_id}
            ).all()
        )
    for players, size in order:
        chosen = None if players is None else [ids[f"p{p}"] for p in players if f"p{p}" in ids]
        worker.process_batch(player_ids=chosen, limit=size)
    worker.drain(batch=5)
