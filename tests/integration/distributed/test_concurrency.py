"""Several workers, one player: per-player order kept, effects exactly once, whatever
the broker does with the tasks."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select

from questline.processing.distributed import CeleryDispatcher
from questline.storage.database import Database
from questline.storage.models import LedgerEntry, Player
from tests.integration.conftest import Api
from tests.support.processes import QuestlineProcess
from tests.support.replay import replay, stored

pytestmark = pytest.mark.postgres


def wait_until_processed(database: Database, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while stored(database, 1).pending:
        assert time.monotonic() < deadline, "events are still pending"
        time.sleep(0.1)


def assert_matches_replay(database: Database) -> None:
    expected, actual = replay(database, 1), stored(database, 1)
    assert actual.pending == 0
    assert actual.balances == expected.balances
    assert actual.ledger_entries == expected.ledger_entries


def ledger_in_commit_order(database: Database, player: str) -> list[tuple[int, str, int]]:
    with database.reader() as session:
        return [
            (seq, currency, after)
            for seq, currency, after in session.execute(
                select(LedgerEntry.event_seq, LedgerEntry.currency, LedgerEntry.balance_after)
                .join(Player, Player.id == LedgerEntry.player_id)
                .where(Player.external_id == player)
                .order_by(LedgerEntry.id)
            )
        ]


def assert_applied_in_log_order(database: Database, player: str) -> None:
    entries = ledger_in_commit_order(database, player)
    seqs = [seq for seq, _, _ in entries]
    assert seqs == sorted(seqs), "a later event of the player was applied before an earlier one"


def event(player: str, n: int, key: str) -> dict[str, Any]:
    return {"id": key, "type": "did", "player": player, "properties": {"n": n}}


def dispatcher(api: Api) -> CeleryDispatcher:
    found = api.client.app.state.questline.dispatcher  # type: ignore[attr-defined]
    assert isinstance(found, CeleryDispatcher)
    return found


def test_two_workers_racing_on_one_players_events_apply_each_once_in_order(
    api: Api, database: Database, workers: Callable[..., QuestlineProcess]
) -> None:
    workers("a")
    workers("b")
    amounts = [random.Random(7).randrange(1, 9) for _ in range(200)]

    def post(start: int) -> None:
        for n in range(start, len(amounts), 4):
            api.post("/v1/events", json=event("zoe", amounts[n], f"zoe-{n}"), expect=202)
            # Extra drains of the same shard: both workers take one and meet on the player.
            dispatcher(api).enqueue(n % 4)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(post, range(4)))
    wait_until_processed(database)

    assert_matches_replay(database)
    assert_applied_in_log_order(database, "zoe")
    zoe = api.player("zoe")
    assert zoe["currencies"]["xp"]["balance"] == sum(amounts)


def test_a_batch_delivered_twice_is_appended_and_awarded_once(
    api: Api, database: Database, workers: Callable[..., QuestlineProcess]
) -> None:
    workers("a")
    workers("b")
    batch = {"events": [event(f"p{n % 7}", n % 5 + 1, f"batch-{n}") for n in range(300)]}

    def deliver(_: int) -> dict[str, Any]:
        return dict(api.post("/v1/events/batch", json=batch, expect=202).json())

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(deliver, range(2))
    assert first["accepted"] + second["accepted"] == 300
    assert first["duplicates"] + second["duplicates"] == 300
    for index in range(4):  # and every drain task delivered twice more
        dispatcher(api).enqueue(index)
        dispatcher(api).enqueue(index)
    wait_until_processed(database)

    assert_matches_replay(database)
    with database.reader() as session:
        awards = session.execute(select(LedgerEntry.event_seq, LedgerEntry.currency)).all()
    assert len(awards) == len(set(awards)), "an event awarded the same currency twice"
    expected_xp = sum(n % 5 + 1 for n in range(300))
    xp = sum(api.player(f"p{p}")["currencies"]["xp"]["balance"] for p in range(7))
    assert xp == expected_xp


def test_tasks_delivered_out_of_order_still_apply_each_players_events_in_log_order(
    api: Api, database: Database, workers: Callable[..., QuestlineProcess]
) -> None:
    # Events are appended while no worker runs; their drains wait in the broker.
    events = [event(f"q{n % 3}", n % 9 + 1, f"ooo-{n}") for n in range(240)]
    for start in range(0, len(events), 40):
        api.post("/v1/events/batch", json={"events": events[start : start + 40]}, expect=202)
    # The broker hands out tasks in an order of its own, some of them twice.
    shards = [*range(4), *range(4)]
    random.Random(3).shuffle(shards)
    for index in shards:
        dispatcher(api).enqueue(index)
    workers("a")
    workers("b")
    wait_until_processed(database)

    assert_matches_replay(database)
    for player in ("q0", "q1", "q2"):
        assert_applied_in_log_order(database, player)


def test_ingestion_and_processing_of_the_same_players_never_deadlock(
    api: Api, database: Database, workers: Callable[..., QuestlineProcess]
) -> None:
    # Appending an event locks its player for the foreign key, in the batch's order;
    # workers lock players in id order. Batches in shuffled player order, with profile
    # updates, while two workers process the same players: no request may fail.
    workers("a")
    workers("b")
    rng = random.Random(11)
    players = [f"d{n}" for n in range(60)]
    statuses: list[int] = []

    def post(sender: int) -> None:
        for round_ in range(12):
            order = players[:]
            rng.shuffle(order)
            events = [
                {
                    **event(player, 1 + n % 5, f"dl-{sender}-{round_}-{n}"),
                    "profile": {"name": f"{player} {round_}"},
                }
                for n, player in enumerate(order * 3)
            ]
            response = api.post("/v1/events/batch", json={"events": events})
            statuses.append(response.status_code)

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(post, range(3)))
    assert set(statuses) == {202}, statuses
    wait_until_processed(database)
    assert_matches_replay(database)
