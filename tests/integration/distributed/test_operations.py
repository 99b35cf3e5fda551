"""What an operator of the distributed mode sees: readiness of each dependency,
Prometheus metrics, and the scheduler's sweep making good a lost dispatch."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from questline.processing.ingest import NewEvent, ingest
from questline.storage.database import Database
from tests.integration.conftest import Api
from tests.support.processes import QuestlineProcess, questline_env, wait_for
from tests.support.redis import RedisServer
from tests.support.replay import replay, stored

pytestmark = pytest.mark.postgres


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_ready_reports_the_database_and_redis(api: Api, redis_server: RedisServer) -> None:
    ready = api.client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {
        "database": {"status": "ok", "dialect": "postgresql"},
        "redis": {"status": "ok"},
    }
    redis_server.pause()
    try:
        down = api.client.get("/ready")
    finally:
        redis_server.resume()
    assert down.status_code == 503
    assert down.headers["Retry-After"]
    assert down.json()["checks"]["redis"]["status"] == "error"
    assert down.json()["checks"]["database"]["status"] == "ok"


def test_metrics_count_ingestion_processing_awards_backlog_and_http_latency(
    api: Api, database: Database, workers: Callable[..., QuestlineProcess]
) -> None:
    before = samples(api.client.get("/metrics").text)
    ingested = before.get(("questline_events_ingested_total", ()), 0.0)
    batch = [
        {"id": f"m{n}", "type": "did", "player": "mia", "properties": {"n": 30}} for n in range(5)
    ]
    api.post("/v1/events/batch", json={"events": batch}, expect=202)
    api.post("/v1/events", json=batch[0], expect=200)  # a replay is not counted again
    api.get("/v1/players/mia", expect=200)

    waiting = samples(api.client.get("/metrics").text)
    assert waiting[("questline_events_ingested_total", ())] == ingested + 5
    assert waiting[("questline_events_pending", ())] == 5
    assert waiting[("questline_processing_lag_seconds", ())] >= 0
    assert waiting[("questline_queue_depth", ())] >= 1  # drains wait for a worker
    route = (
        "questline_http_request_seconds_count",
        (("method", "GET"), ("route", "/v1/players/{player_id}"), ("status", "200")),
    )
    assert waiting[route] == before.get(route, 0.0) + 1

    workers("a")
    wait_for(lambda: stored(database, 1).pending == 0, timeout=30, what="processing")
    after = samples(api.client.get("/metrics").text)
    assert after[("questline_events_pending", ())] == 0
    assert after[("questline_processing_lag_seconds", ())] == 0
    assert after[("questline_queue_depth", ())] == 0


def test_the_scheduler_sweeps_events_whose_dispatch_was_lost(
    pg_url: str,
    redis_url: str,
    database: Database,
    api: Api,
    tmp_path: Path,
    workers: Callable[..., QuestlineProcess],
) -> None:
    # Appended without any dispatch, as if the broker had lost the tasks.
    with database.transaction() as session:
        ingest(
            session,
            1,
            [NewEvent("did", f"s{n % 3}", key=f"lost-{n}", properties={"n": n}) for n in range(50)],
            datetime.now(UTC),
        )
    env = questline_env(
        pg_url,
        redis_url,
        worker_shards="4",
        sweep_every_seconds="0.5",
        sweep_grace_seconds="1",
        scheduler_state=str(tmp_path / "beat-state"),
    )
    worker = workers("a", sweep_grace_seconds="1")
    scheduler = QuestlineProcess(["scheduler"], env, tmp_path / "scheduler.log").start()
    try:
        wait_for(
            lambda: stored(database, 1).pending == 0, timeout=30, what="the sweep", log=scheduler
        )
    finally:
        scheduler.stop()
    expected, actual = replay(database, 1), stored(database, 1)
    assert actual.balances == expected.balances
    assert actual.ledger_entries == expected.ledger_entries
    # Routine tasks are not logged by default: two lines per drain would drown the rest.
    records = [json.loads(line) for line in worker.log_text().splitlines() if line[:1] == "{"]
    assert records, "the worker logs JSON lines"
    assert [
        r
        for r in records
        if r["logger"].startswith("celery.")
        and r["level"] == "info"
        and ("received" in r["message"] or "succeeded" in r["message"])
    ] == []
