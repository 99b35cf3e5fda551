"""Spending under concurrency, on SQLite and PostgreSQL, at the service level and over
HTTP: never a negative balance, never a double spend, never more sold than the stock,
and no deadlock with the workers processing the same players' events."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from questline.errors import QuestlineError
from questline.processing.designs import DesignCache
from questline.processing.ingest import NewEvent, ingest
from questline.processing.worker import Worker
from questline.services import purchases
from questline.storage import configs
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from questline.storage.economy_tables import Purchase
from questline.storage.models import Event
from questline.yamlfile import load_yaml
from tests.integration.conftest import Api, default_app_id
from tests.support.economy import SHOP_GAME, assert_ledger_consistent, balances

THREADS = 64


class Buyer:
    """Who buys, at the service level (what an API key would be)."""

    def __init__(self, app_id: int) -> None:
        self.app_id = app_id
        self.actor = "key:test"


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url, sqlite_synchronous="OFF")
    yield database
    database.dispose()


def _app(database: Database, players: dict[str, int]) -> int:
    """An app with the shop game and players holding `players[name]` gems each."""
    with database.transaction() as session:
        app = ensure_app(session, "default")
        configs.publish(
            session, app.id, load_yaml(SHOP_GAME), source=None, comment=None, created_by=None
        )
        events = [
            NewEvent(type="lesson", player=name, key=f"seed-{name}", properties={"gems": gems})
            for name, gems in players.items()
        ]
        ingest(session, app.id, events, datetime.now(UTC))
        app_id = app.id
    Worker(database, DesignCache()).drain()
    return app_id


def _race(count: int, call: Callable[[int], Any]) -> list[Any]:
    """`call(0)` … `call(count - 1)` at once, each in its own thread; what each returned
    or raised."""

    def attempt(index: int) -> Any:
        try:
            return call(index)
        except QuestlineError as error:
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(attempt, range(count)))


def _buy(
    database: Database,
    designs: DesignCache,
    app_id: int,
    player: str,
    offer: str,
    key: str | None = None,
) -> purchases.PurchaseResult:
    with database.transaction() as session:
        return purchases.buy(session, designs, Buyer(app_id), player, offer, 1, key)


def _codes(outcomes: list[Any]) -> Counter[str]:
    return Counter(
        getattr(o, "code", "ok") if isinstance(o, QuestlineError) else "ok" for o in outcomes
    )


def test_64_purchases_at_once_with_funds_for_10_buy_exactly_10(database: Database) -> None:
    app_id = _app(database, {"zoe": 100})
    designs = DesignCache()
    outcomes = _race(THREADS, lambda i: _buy(database, designs, app_id, "zoe", "boost"))
    assert _codes(outcomes) == {"ok": 10, "insufficient_funds": THREADS - 10}
    assert balances(database, app_id)[("zoe", "gems")] == 0
    assert_ledger_consistent(database, app_id)  # never below zero on the way


def test_64_players_racing_for_the_last_5_units_get_exactly_5(database: Database) -> None:
    app_id = _app(database, {f"p{n}": 50 for n in range(THREADS)})
    designs = DesignCache()
    for n in range(3):  # 8 in stock: 3 sold before the race
        _buy(database, designs, app_id, f"p{n}", "owl")
    outcomes = _race(THREADS, lambda i: _buy(database, designs, app_id, f"p{i}", "owl"))
    codes = _codes(outcomes)
    assert codes["ok"] == 5
    # The 3 who hold an owl already are refused for that; everyone else finds none left.
    assert codes["sold_out"] + codes["limit_reached"] == THREADS - 5
    with database.reader() as session:
        sold = session.scalar(select(func.count()).select_from(Purchase))
    assert sold == 8
    assert_ledger_consistent(database, app_id)


def test_one_purchase_id_sent_20_times_at_once_buys_once(database: Database) -> None:
    app_id = _app(database, {"zoe": 100})
    designs = DesignCache()
    outcomes = _race(20, lambda i: _buy(database, designs, app_id, "zoe", "boost", "same-id"))
    assert all(isinstance(o, purchases.PurchaseResult) for o in outcomes), outcomes
    assert sorted(o.duplicate for o in outcomes) == [False] + [True] * 19
    assert {o.purchase.id for o in outcomes} == {outcomes[0].purchase.id}
    assert balances(database, app_id)[("zoe", "gems")] == 90
    assert_ledger_consistent(database, app_id)


def test_purchases_while_workers_process_the_same_players_never_deadlock(
    database: Database,
) -> None:
    players = [f"p{n}" for n in range(4)]
    app_id = _app(database, dict.fromkeys(players, 30))
    designs = DesignCache()
    worker = Worker(database, designs)

    def append(index: int) -> None:
        # Events for several players at once: a worker batch locks them all, in order.
        with database.transaction() as session:
            ingest(
                session,
                app_id,
                [
                    NewEvent(type="lesson", player=p, key=f"e{index}-{p}", properties={"gems": 3})
                    for p in players
                ],
                datetime.now(UTC),
            )

    def work(index: int) -> Any:
        if index % 4 == 0:
            return append(index)
        if index % 4 == 1:
            return worker.drain(batch=7)
        offer = "potion" if index % 8 == 2 else "boost"
        return _buy(database, designs, app_id, players[index % len(players)], offer)

    outcomes = _race(THREADS, work)
    worker.drain()
    unexpected = [o for o in outcomes if isinstance(o, QuestlineError) and o.status != 409]
    assert unexpected == []
    assert {o.code for o in outcomes if isinstance(o, QuestlineError)} <= {
        "insufficient_funds",
        "limit_reached",
    }
    with database.reader() as session:
        statuses = Counter(session.scalars(select(Event.status)))
    assert statuses == {"processed": len(players) * (1 + THREADS // 4)}
    assert_ledger_consistent(database, app_id)


def test_over_http_64_purchases_with_funds_for_10_and_one_id_20_times(
    api: Api, client: TestClient
) -> None:
    api.publish(SHOP_GAME)
    api.event("zoe", "lesson", gems=100)

    def buy(index: int, key: str | None = None) -> tuple[int, dict[str, Any]]:
        body: dict[str, Any] = {"offer": "boost"}
        if key is not None:
            body["id"] = key
        answer = api.post("/v1/players/zoe/purchases", json=body)
        return answer.status_code, answer.json()

    outcomes = _race(THREADS, buy)
    statuses = Counter(status for status, _ in outcomes)
    assert statuses == {201: 10, 409: THREADS - 10}
    assert {body["code"] for status, body in outcomes if status == 409} == {"insufficient_funds"}

    api.event("zoe", "lesson", gems=10)
    same = _race(20, lambda i: buy(i, "one-id"))
    assert sorted(status for status, _ in same) == [200] * 19 + [201]
    assert len({body["debits"][0]["balance_after"] for _, body in same}) == 1
    context = client.app.state.questline  # type: ignore[attr-defined]
    app_id = default_app_id(context)
    assert balances(context.database, app_id)[("zoe", "gems")] == 0
    assert_ledger_consistent(context.database, app_id)
