"""Invariants of the ledger, checked with random event streams on real storage:
the ledger sums to the balances, and replaying the log reproduces every balance."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from questline.processing.designs import DesignCache
from questline.processing.ingest import NewEvent, ingest
from questline.processing.worker import Worker
from questline.storage import configs
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from questline.storage.models import Balance, LedgerEntry, Player

DESIGN = {
    "currencies": {
        "xp": {"daily_cap": 50, "levels": {"thresholds": [0, 10, 40, 90]}},
        "rep": {"min": -5, "max": 20, "rounding": "half_up"},
        # A floor above 0: every balance opens at 2 with a ledger entry of its own.
        "karma": {"min": 2, "max": 40},
    },
    "metrics": {"gains": {"count": "gain"}},
    "rules": [
        {"id": "gain-xp", "on": "gain", "award": {"xp": "event.n * 1.5"}},
        {"id": "rep-up", "on": "gain", "when": "event.n > 3", "award": {"rep": 1}},
        {"id": "rep-down", "on": "lose", "award": {"rep": "0 - event.n"}},
        {"id": "bonus", "on": "gain", "award": {"xp": 2}, "limit": {"times": 2, "per": "day"}},
        {"id": "boost", "on": "gain", "award": {"xp": 5}, "exempt_from_daily_cap": True},
        {"id": "karma-up", "on": "gain", "award": {"karma": "event.n"}, "limit": {"max": 15}},
        {"id": "karma-down", "on": "lose", "award": {"karma": "0 - event.n"}},
    ],
}
_apps = itertools.count()

streams = st.lists(
    st.tuples(
        st.sampled_from(["ann", "bob", "cy"]),
        st.sampled_from(["gain", "lose"]),
        st.integers(min_value=0, max_value=12),
        st.integers(min_value=0, max_value=72),  # hours after the start
    ),
    min_size=1,
    max_size=40,
)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url, sqlite_synchronous="OFF")
    yield database
    database.dispose()


def _load(database: Database, slug: str, stream: list[tuple[str, str, int, int]]) -> int:
    start = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # across Europe's DST change
    with database.transaction() as session:
        app = ensure_app(session, slug)
        configs.publish(session, app.id, DESIGN, source=None, comment=None, created_by=None)
        events = [
            NewEvent(
                type=kind,
                player=who,
                key=f"{slug}-{i}",
                occurred_at=start + timedelta(hours=h),
                properties={"n": n},
            )
            for i, (who, kind, n, h) in enumerate(stream)
        ]
        ingest(session, app.id, events, datetime.now(UTC))
        return app.id


def _balances(database: Database, app_id: int) -> dict[tuple[str, str], tuple[int, int]]:
    with database.reader() as session:
        rows = session.execute(
            select(Player.external_id, Balance.currency, Balance.balance, Balance.earned)
            .join(Player, Player.id == Balance.player_id)
            .where(Player.app_id == app_id)
        )
        return {(who, currency): (balance, earned) for who, currency, balance, earned in rows}


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(stream=streams, batch=st.integers(min_value=1, max_value=7))
def test_the_ledger_sums_to_the_balances_and_a_replay_reproduces_them(
    database: Database, stream: list[tuple[str, str, int, int]], batch: int
) -> None:
    worker = Worker(database, DesignCache())
    original = _load(database, f"app{next(_apps)}", stream)
    worker.drain(batch=batch)

    balances = _balances(database, original)
    with database.reader() as session:
        sums = session.execute(
            select(Player.external_id, LedgerEntry.currency, func.sum(LedgerEntry.amount))
            .join(Player, Player.id == LedgerEntry.player_id)
            .where(LedgerEntry.app_id == original)
            .group_by(Player.external_id, LedgerEntry.currency)
        )
        summed = {(who, currency): total for who, currency, total in sums}
    assert {key: held[0] for key, held in balances.items() if key in summed} == summed
    assert {who for who, currency in summed if currency == "karma"} == {e[0] for e in stream}
    for (_, currency), (balance, _) in balances.items():
        if currency == "rep":
            assert -5 <= balance <= 20
        if currency == "karma":
            assert 2 <= balance <= 40

    # The same log into an empty app, processed in one go, gives the same state.
    replayed = _load(database, f"app{next(_apps)}", stream)
    worker.drain(batch=500)
    assert _balances(database, replayed) == balances
