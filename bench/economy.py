"""Benchmark: purchases per second. Prints figures; asserts nothing.

Purchases go through the service a route calls (services/purchases.py): the player's
lock, the state and limits read, the engine's decision, the ledger entries, balances and
inventory written, one transaction each. They run from several threads at once, for one
hot player (every purchase waits for the one before: the player's lock) and for many
players, on a SQLite file and on a throwaway PostgreSQL server.

The raw baseline, in the same run with the same threads and the same database: one
plain `UPDATE balances SET balance = balance - n WHERE … AND balance >= n` per
transaction — what a host app that keeps its own balance would do at the least, with no
ledger, no limits, nothing granted and no idempotency.

    python bench/economy.py [--purchases 2000] [--players 500] [--threads 8]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select  # noqa: E402

from questline.processing.designs import DesignCache  # noqa: E402
from questline.processing.ingest import NewEvent, ingest  # noqa: E402
from questline.processing.worker import Worker  # noqa: E402
from questline.services import purchases  # noqa: E402
from questline.storage import configs  # noqa: E402
from questline.storage.apps import ensure_app  # noqa: E402
from questline.storage.database import Database  # noqa: E402
from questline.storage.models import Player  # noqa: E402
from questline.storage.schema import migrate  # noqa: E402
from questline.yamlfile import load_yaml  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402

DESIGN = """
currencies:
  gems: {spendable: true}
rules:
  - {id: seed, on: seed, award: {gems: "event.gems"}}
shop:
  items:
    hint: {name: Hint, consumable: true}
  offers:
    - {id: hint, name: Hint, price: {gems: 1}, gives: {items: {hint: 1}}}
"""


class Buyer:
    actor = "key:bench"

    def __init__(self, app_id: int) -> None:
        self.app_id = app_id


def prepare(url: str, players: int, gems: int) -> tuple[Database, int]:
    engine = create_engine(url)
    migrate(engine)
    engine.dispose()
    database = Database(url, sqlite_synchronous="NORMAL")
    with database.transaction() as session:
        app = ensure_app(session)
        configs.publish(
            session, app.id, load_yaml(DESIGN), source=None, comment=None, created_by=None
        )
        ingest(
            session,
            app.id,
            [
                NewEvent(type="seed", player=f"p{n}", key=f"seed-{n}", properties={"gems": gems})
                for n in range(players)
            ],
            datetime.now(UTC),
        )
        app_id = app.id
    Worker(database, DesignCache()).drain(batch=2000)
    return database, app_id


def rate(count: int, threads: int, work: Callable[[int], None]) -> float:
    """Operations per second: `work(0)` … `work(count - 1)` from `threads` threads."""
    started = threading.Event()

    def run(index: int) -> None:
        started.wait()
        work(index)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        began = time.perf_counter()
        futures = [pool.submit(run, index) for index in range(count)]
        started.set()
        for future in futures:
            future.result()
        return count / (time.perf_counter() - began)


def measure(name: str, url: str, args: argparse.Namespace) -> None:
    players = args.players
    database, app_id = prepare(url, players, args.purchases * 4)
    designs = DesignCache()
    buyer = Buyer(app_id)
    rng = random.Random(7)
    many = [f"p{rng.randrange(players)}" for _ in range(args.purchases)]
    with database.reader() as session:
        ids = dict(session.execute(select(Player.external_id, Player.id)).tuples().all())

    def buy(player: str) -> None:
        with database.transaction() as session:
            purchases.buy(session, designs, buyer, player, "hint", 1, None)

    def raw(player: str) -> None:
        with database.engine.connect() as connection:
            connection.exec_driver_sql(
                "UPDATE balances SET balance = balance - 1"
                " WHERE player_id = ? AND currency = 'gems' AND balance >= 1"
                if database.dialect == "sqlite"
                else "UPDATE balances SET balance = balance - 1"
                " WHERE player_id = %s AND currency = 'gems' AND balance >= 1",
                (ids[player],),
            )
            connection.commit()

    count, threads = args.purchases, args.threads
    buy("p0")  # warm the design cache and the pool
    raw("p0")
    print(f"\n{name}, {threads} threads, {count:,} purchases per figure")
    hot = ["p0"] * count
    for label, buyers in (("one hot player", hot), (f"{players} players", many)):
        baseline = rate(count, threads, lambda i, b=buyers: raw(b[i]))  # type: ignore[misc]
        bought = rate(count, threads, lambda i, b=buyers: buy(b[i]))  # type: ignore[misc]
        print(f"  {label}:")
        print(f"    raw UPDATE … WHERE balance >= n (baseline): {baseline:>8,.0f} /s")
        print(
            f"    purchases (ledger, limits, inventory):      {bought:>8,.0f} /s"
            f"  ({bought / baseline:.2f}× the baseline)"
        )
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--purchases", type=int, default=2000)
    parser.add_argument("--players", type=int, default=500)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start"
        " (a shared machine: compare figures of one run with each other)"
    )
    with tempfile.TemporaryDirectory(prefix="questline-bench-") as tmp:
        measure("SQLite", f"sqlite:///{Path(tmp) / 'economy.db'}", args)
    with PostgresServer() as pg:
        measure("PostgreSQL", pg.create_database("economy"), args)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
