"""Faults under load, with real processes: a worker SIGKILLed mid-batch, Redis restarted
empty, PostgreSQL restarted, the API restarted while clients retry. Each ends by
comparing what the workers wrote with a replay of the event log: nothing lost (every
event a client sent is in the log, once) and nothing doubled (balances and ledger
entries are exactly the replay's)."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from questline.storage.database import Database
from questline.storage.models import Event
from tests.conftest import ADMIN_KEY
from tests.integration.distributed.conftest import DESIGN
from tests.support.postgres import PostgresServer
from tests.support.processes import (
    QuestlineProcess,
    free_port,
    questline_env,
    start_api,
    wait_for,
)
from tests.support.redis import RedisServer
from tests.support.replay import replay, stored

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
HEADERS = {"Authorization": f"Bearer {ADMIN_KEY}"}


@dataclass
class Load:
    """Clients that send events with their own ids and, like a careful client, retry a
    request that failed (no answer, or 5xx) with the same ids until it is accepted.

    What a client thread finds wrong (a 4xx, an exception) is collected in `failures`
    and asserted by `stop()` in the test's own thread."""

    base_url: str
    players: int = 25
    accepted: set[str] = field(default_factory=set)
    answers: Counter[str] = field(default_factory=Counter)
    retry_after: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=itertools.count)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _event(self) -> dict[str, Any]:
        with self._lock:
            n = next(self._ids)
        return {"id": f"e{n}", "type": "did", "player": f"p{n % self.players}",
                "properties": {"n": n % 7 + 1}}  # fmt: skip

    def _count(self, answer: str) -> None:
        with self._lock:  # three clients count at once
            self.answers[answer] += 1

    def _send(self, client: httpx.Client, path: str, body: dict[str, Any], ids: list[str]) -> bool:
        """True once accepted; False (and a failure recorded) if refused as a client error."""
        while True:
            try:
                response = client.post(path, json=body)
            except httpx.HTTPError as error:
                self._count(type(error).__name__)
                time.sleep(0.05)
                continue
            self._count(str(response.status_code))
            if response.status_code in (200, 202):
                with self._lock:
                    self.accepted.update(ids)
                return True
            if response.status_code < 500:  # never a client error
                with self._lock:
                    self.failures.append(f"{path}: {response.status_code} {response.text}")
                return False
            if "Retry-After" in response.headers:
                with self._lock:
                    self.retry_after.append(response.headers["Retry-After"])
            time.sleep(0.1)

    def _batches(self, client: httpx.Client) -> None:
        while not self._stop.is_set():
            events = [self._event() for _ in range(100)]
            if not self._send(
                client, "/v1/events/batch", {"events": events}, [e["id"] for e in events]
            ):
                return

    def _singles(self, client: httpx.Client) -> None:
        while not self._stop.is_set():
            event = self._event()
            if not self._send(client, "/v1/events", event, [event["id"]]):
                return

    def _client(self, sending: Callable[[httpx.Client], None]) -> None:
        try:
            with httpx.Client(base_url=self.base_url, headers=HEADERS, timeout=10) as client:
                sending(client)
        except Exception as error:  # reported by stop(), in the test's thread
            with self._lock:
                self.failures.append(f"{sending.__name__}: {error!r}")

    def start(self) -> Load:
        self._threads = [
            threading.Thread(target=self._client, args=(sending,))
            for sending in (self._batches, self._singles, self._singles)
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
        assert not any(t.is_alive() for t in self._threads), (
            f"a client's events were never accepted: {self.answers}"
        )
        assert self.failures == [], self.failures


@dataclass
class Stack:
    env: dict[str, str]
    workdir: Path
    port: int
    database: Database
    processes: list[QuestlineProcess] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self) -> QuestlineProcess:
        process = start_api(self.env, self.workdir, f"api-{len(self.processes)}", self.port)
        self.processes.append(process)
        return process

    def worker(self) -> QuestlineProcess:
        process = QuestlineProcess(
            ["worker", "--pool", "solo"],
            self.env,
            self.workdir / f"worker-{len(self.processes)}.log",
        ).start()
        self.processes.append(process)
        return process

    def scheduler(self) -> QuestlineProcess:
        process = QuestlineProcess(["scheduler"], self.env, self.workdir / "scheduler.log").start()
        self.processes.append(process)
        return process

    def pending(self) -> int:
        return stored(self.database, 1).pending

    def assert_nothing_lost_or_doubled(self, load: Load) -> None:
        wait_for(lambda: self.pending() == 0, timeout=90, what="every event processed")
        with self.database.reader() as session:
            keys = session.scalars(select(Event.key)).all()
        assert len(keys) == len(set(keys))
        assert set(keys) == load.accepted, "the log differs from what clients were told"
        expected, actual = replay(self.database, 1), stored(self.database, 1)
        assert actual.balances == expected.balances
        assert actual.ledger_entries == expected.ledger_entries


@pytest.fixture
def stack(pg_url: str, redis_url: str, database: Database, tmp_path: Path) -> Iterator[Stack]:
    env = questline_env(
        pg_url,
        redis_url,
        worker_shards="4",
        worker_batch_size="500",
        sweep_every_seconds="0.5",
        sweep_grace_seconds="1",
        scheduler_state=str(tmp_path / "beat-state"),
        bootstrap_key=ADMIN_KEY,
        log_tasks="true",  # in_a_drain reads the workers' task lines
    )
    stack = Stack(env, tmp_path, free_port(), database)
    stack.api()
    httpx.put(
        f"{stack.base_url}/v1/config",
        content=DESIGN.encode(),
        headers={**HEADERS, "Content-Type": "application/yaml"},
    ).raise_for_status()
    stack.scheduler()
    try:
        yield stack
    finally:
        for process in stack.processes:
            process.kill()


def in_a_drain(worker: QuestlineProcess) -> bool:
    """The worker has taken a drain task and not finished it: it is inside a batch."""
    return in_a_drain_text(worker.log_text())


def in_a_drain_text(log: str) -> bool:
    started = len(re.findall(r"questline\.drain\[[^\]]+\] received", log))
    ended = len(re.findall(r"questline\.drain\[[^\]]+\] (succeeded|raised)", log))
    return started > ended


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(stack: Stack) -> None:
    load = Load(stack.base_url).start()
    try:
        for _ in range(3):
            victim = stack.worker()  # alone, so the backlog is its to take
            wait_for(
                lambda v=victim: in_a_drain(v), timeout=30, what="a drain under way", log=victim
            )
            victim.kill()  # SIGKILL: no warm shutdown, no cleanup, a transaction cut off
        stack.worker()
        time.sleep(1)
    finally:
        load.stop()
    stack.assert_nothing_lost_or_doubled(load)


def test_redis_restarted_empty_under_load_loses_and_doubles_nothing(
    stack: Stack, redis_server: RedisServer
) -> None:
    stack.worker()
    stack.worker()
    load = Load(stack.base_url).start()
    try:
        time.sleep(1.5)
        redis_server.pause()  # the broker dies with its queued tasks and flags...
        time.sleep(1)
        redis_server.restart(flush=True)  # ...and comes back empty
        time.sleep(1.5)
    finally:
        load.stop()
    # Requests never failed for it: the events were durable before the broker mattered.
    assert set(load.answers) <= {"200", "202"}, load.answers
    stack.assert_nothing_lost_or_doubled(load)


def test_postgresql_restarted_under_load_answers_503_and_recovers_by_itself(
    stack: Stack, postgres_server: PostgresServer
) -> None:
    stack.worker()
    load = Load(stack.base_url).start()
    try:
        time.sleep(1)
        postgres_server.pause()
        time.sleep(2)
        postgres_server.resume()
        before = sum(load.answers[s] for s in ("200", "202"))
        wait_for(
            lambda: sum(load.answers[s] for s in ("200", "202")) > before + 20,
            timeout=30,
            what="the API to accept events again",
        )
    finally:
        load.stop()
    assert load.answers["500"] == 0, load.answers
    assert load.answers["503"] > 0, load.answers
    assert len(load.retry_after) == load.answers["503"], "every 503 says when to retry"
    assert all(int(seconds) > 0 for seconds in load.retry_after)
    stack.assert_nothing_lost_or_doubled(load)


def test_the_api_restarted_while_clients_retry_the_same_ids_loses_and_doubles_nothing(
    stack: Stack,
) -> None:
    stack.worker()
    load = Load(stack.base_url).start()
    try:
        for stop in ("graceful", "crash"):
            time.sleep(1)
            api = stack.processes[0]
            if stop == "graceful":
                # uvicorn finishes its requests, then exits by the signal it was sent
                assert api.stop() in (0, -15)
                assert "Application shutdown complete" in api.log_text()
            else:
                api.kill()
            stack.processes.remove(api)
            time.sleep(0.5)  # clients meet a closed port meanwhile, and retry
            stack.processes.insert(
                0, start_api(stack.env, stack.workdir, f"api-{stop}", stack.port)
            )
        time.sleep(1)
    finally:
        load.stop()
    assert load.answers["500"] == 0, load.answers
    stack.assert_nothing_lost_or_doubled(load)


def test_a_worker_stopped_with_sigterm_finishes_the_drain_in_hand(stack: Stack) -> None:
    load = Load(stack.base_url).start()
    try:
        worker = stack.worker()
        wait_for(lambda: in_a_drain(worker), timeout=30, what="a drain under way", log=worker)
        assert worker.stop(timeout=30) == 0
    finally:
        load.stop()
    log = worker.log_text()
    # The task it had started ran to its end: none was cut off or handed back.
    assert not in_a_drain_text(log), log[-2000:]
    assert "Restoring" not in log
    stack.worker()
    stack.assert_nothing_lost_or_doubled(load)
