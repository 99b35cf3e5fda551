"""Invariants of spending, checked with random sequences on real storage: whatever is
earned, bought and refunded, in any order, the ledger sums to every balance, no balance
ever goes below zero, and what a wallet says was spent is what purchases took less what
refunds gave back."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questline.errors import Refused
from questline.processing.designs import DesignCache
from questline.processing.ingest import NewEvent, ingest
from questline.processing.worker import Worker
from questline.services import purchases, wallet
from questline.storage import configs, economy
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from questline.storage.models import LedgerEntry
from questline.yamlfile import load_yaml
from tests.support.economy import SHOP_GAME, assert_ledger_consistent

_apps = itertools.count()
OFFERS = ["boost", "potion", "hints", "hearts", "freeze", "owl"]

steps = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.sampled_from(["ann", "bob"]), st.integers(0, 40)),
        st.tuples(
            st.just("buy"),
            st.sampled_from(["ann", "bob"]),
            st.sampled_from(OFFERS),
            st.integers(1, 3),
        ),
        st.tuples(st.just("refund"), st.integers(0, 30)),
    ),
    min_size=1,
    max_size=25,
)


class Admin:
    def __init__(self, app_id: int) -> None:
        self.app_id = app_id
        self.actor = "user:admin@example.com"


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url, sqlite_synchronous="OFF")
    yield database
    database.dispose()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=steps)
def test_any_earns_purchases_and_refunds_keep_the_ledger_and_balances_whole(
    database: Database, sequence: list[tuple[object, ...]]
) -> None:
    designs = DesignCache()
    worker = Worker(database, designs)
    with database.transaction() as session:
        app = ensure_app(session, f"economy{next(_apps)}")
        configs.publish(
            session, app.id, load_yaml(SHOP_GAME), source=None, comment=None, created_by=None
        )
        app_id = app.id
        ingest(
            session,
            app_id,
            [NewEvent(type="lesson", player=p, properties={"gems": 0}) for p in ("ann", "bob")],
            datetime.now(UTC),
        )
    worker.drain()
    admin = Admin(app_id)
    bought: list[str] = []
    for index, step in enumerate(sequence):
        if step[0] == "earn":
            _, player, gems = step
            with database.transaction() as session:
                event = NewEvent(type="lesson", player=str(player), properties={"gems": gems})
                ingest(session, app_id, [event], datetime.now(UTC))
            worker.drain()
        elif step[0] == "buy":
            _, player, offer, quantity = step
            try:
                with database.transaction() as session:
                    result = purchases.buy(
                        session, designs, admin, str(player), str(offer), int(quantity), f"b{index}"
                    )
                bought.append(result.purchase.key)
            except Refused:
                pass  # refused purchases write nothing; the invariants below say so too
        elif bought:
            key = bought[int(step[1]) % len(bought)]
            with database.transaction() as session:
                purchases.refund(session, designs, admin, key, "test")
        assert_ledger_consistent(database, app_id)

    with database.reader() as session:
        for player in ("ann", "bob"):
            gems = next(
                line
                for line in wallet.wallet(session, designs, app_id, player)
                if line.currency == "gems"
            )
            moved = dict(
                session.execute(
                    select(LedgerEntry.cause, func.sum(LedgerEntry.amount))
                    .where(LedgerEntry.app_id == app_id, LedgerEntry.currency == "gems")
                    .where(LedgerEntry.player_id == _player_id(session, app_id, player))
                    .group_by(LedgerEntry.cause)
                ).all()
            )
            assert gems.spent == -moved.get("purchase", 0) - moved.get("refund", 0)
            assert gems.balance == sum(moved.values())
            assert gems.balance >= 0


def _player_id(session: Session, app_id: int, player: str) -> int:
    found = economy.player_id(session, app_id, player)
    assert found is not None
    return found
