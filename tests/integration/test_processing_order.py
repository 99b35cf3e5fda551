"""A player's events are processed in log (seq) order even when the transactions that
append them overlap: the live result is what a replay of the log in seq order gives."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from questline.processing.designs import DesignCache
from questline.processing.dispatch import NoDispatcher
from questline.processing.ingest import MAX_PLAYER_TURNS, NewEvent, ingest
from questline.processing.submission import submit
from questline.processing.worker import Worker
from questline.storage import configs
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from tests.support.processes import wait_for
from tests.support.replay import replay, stored

# The gem bonus depends on the xp balance before each event, so applying a player's
# events in another order than the log's gives other gems.
DESIGN = {
    "currencies": {"xp": {}, "gems": {}},
    "rules": [
        {"id": "xp", "on": "did", "award": {"xp": "event.n"}},
        {
            "id": "bonus",
            "on": "did",
            "when": "currency.xp >= 50 and currency.xp < 400",
            "award": {"gems": 1},
        },
    ],
}


@pytest.fixture
def databases(database_url: str) -> Iterator[tuple[Database, Database, Database]]:
    """Three handles on one database, as three processes would hold: two that append,
    one that processes."""
    handles = (Database(database_url), Database(database_url), Database(database_url))
    yield handles
    for handle in handles:
        handle.dispose()


def _did(player: str, key: str, n: int) -> NewEvent:
    return NewEvent("did", player, key=key, properties={"n": n})


def _waiting_on_a_lock(database: Database) -> bool:
    with database.reader() as session:
        waiting = session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


def _publish(database: Database) -> int:
    with database.transaction() as session:
        app_id = ensure_app(session, "default").id
        configs.publish(session, app_id, DESIGN, source=None, comment=None, created_by=None)
        return app_id


def _others(count: int, key: str) -> list[NewEvent]:
    """Events of `count` other players: an append that names many players is locked
    differently from one that names a few (see ingest.MAX_PLAYER_TURNS)."""
    return [_did(f"other-{n}", f"{key}-{n}", 1) for n in range(count)]


@pytest.mark.parametrize(
    ("earlier_others", "later_others"),
    [(0, 0), (MAX_PLAYER_TURNS, 0), (0, MAX_PLAYER_TURNS)],
    ids=["few-then-few", "many-then-few", "few-then-many"],
)
def test_an_append_that_commits_late_is_still_processed_in_log_order(
    databases: tuple[Database, Database, Database], earlier_others: int, later_others: int
) -> None:
    first, second, processing = databases
    worker = Worker(processing, DesignCache())
    app_id = _publish(first)
    with first.transaction() as session:
        ingest(session, app_id, [_did("ada", "e0", 1)], datetime.now(UTC))
    assert worker.drain() == 1

    later = threading.Thread(
        target=submit,
        args=(
            second,
            worker,
            NoDispatcher(),
            app_id,
            [_did("ada", "e2", 1), *_others(later_others, "l")],
        ),
        kwargs={"wait": False},
    )
    with first.transaction() as session:
        # An append takes its seq, and has not committed yet...
        events = [*_others(earlier_others, "e"), _did("ada", "e1", 60)]
        ingest(session, app_id, events, datetime.now(UTC))
        # ...while another append for the same player runs to its end (or waits).
        later.start()
        if processing.dialect == "postgresql":
            wait_for(
                lambda: not later.is_alive() or _waiting_on_a_lock(processing),
                timeout=30,
                what="the second append to commit or to wait",
            )
        # On SQLite the first transaction holds the database's write lock from BEGIN
        # IMMEDIATE, so the second cannot even take a seq until it commits: appends
        # commit in seq order there by construction.
        worker.drain()  # a worker drains whatever it sees meanwhile
    later.join(timeout=30)
    assert not later.is_alive()
    worker.drain()

    expected, actual = replay(processing, app_id), stored(processing, app_id)
    assert actual.pending == 0
    assert actual.balances == expected.balances
    assert actual.ledger_entries == expected.ledger_entries
    assert actual.balances[("ada", "gems")] == expected.balances[("ada", "gems")] > 0


# SQLite has one writer at a time: there every append waits for the open one.
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_appends_and_processing_for_other_players_do_not_wait(
    databases: tuple[Database, Database, Database],
) -> None:
    first, second, processing = databases
    worker = Worker(processing, DesignCache())
    app_id = _publish(first)
    with first.transaction() as session:
        ingest(session, app_id, [_did("ada", "a0", 1), _did("bob", "b0", 1)], datetime.now(UTC))
    assert worker.drain() == 2

    bob = threading.Thread(
        target=submit,
        args=(second, worker, NoDispatcher(), app_id, [_did("bob", "b1", 60)]),
        kwargs={"wait": False},
    )
    with first.transaction() as session:
        ingest(session, app_id, [_did("ada", "a1", 60)], datetime.now(UTC))
        bob.start()
        bob.join(timeout=30)  # it would wait until ada's append commits, after this block
        assert not bob.is_alive(), "an append for bob waited for one for ada"
        assert worker.drain() == 1  # bob's, while ada's append is still open
    assert worker.drain() == 1
    assert stored(processing, app_id).balances == replay(processing, app_id).balances
