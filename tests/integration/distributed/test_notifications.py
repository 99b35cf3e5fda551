"""Notifications in distributed mode: what any Celery worker writes reaches a live stream
on any API process, through Redis."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_KEY
from tests.integration.conftest import JWT_SECRET
from tests.support.processes import (
    QuestlineProcess,
    free_port,
    questline_env,
    start_api,
    wait_for,
)
from tests.support.receiver import Receiver
from tests.support.sse import SseClient

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
DESIGN = """
currencies: {xp: {name: XP}}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
"""
HEADERS = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
def apis(pg_url: str, redis_url: str, tmp_path: Path) -> Iterator[list[str]]:
    """Two API processes. Their poll for what no wake-up announced is ten minutes apart,
    so a stream that sees a notification within the test saw it through Redis."""
    env = questline_env(
        pg_url,
        redis_url,
        worker_shards="4",
        bootstrap_key=ADMIN_KEY,
        jwt_secret=JWT_SECRET,
        notification_poll_seconds="600",
        notification_ping_seconds="0.2",
    )
    started: list[QuestlineProcess] = []
    try:
        for name in ("api-a", "api-b"):
            port = free_port()
            started.append(start_api(env, tmp_path, name, port))
        yield [f"http://127.0.0.1:{p.args[-1]}" for p in started]
    finally:
        for process in started:
            process.kill()


def test_a_stream_on_one_api_process_gets_what_workers_write_for_events_sent_to_another(
    apis: list[str], workers: Callable[..., QuestlineProcess]
) -> None:
    workers()
    workers()
    sender, listener = apis
    with httpx.Client(base_url=sender, headers=HEADERS, timeout=30) as http:
        published = http.put(
            "/v1/config", content=DESIGN, headers={"Content-Type": "application/yaml"}
        )
        assert published.status_code == 201, published.text
        zoe = http.post("/v1/players/zoe/token").json()["token"]
        stream = SseClient(f"{listener}/v1/players/zoe/notifications/stream?access_token={zoe}")
        stream.start()
        for n in range(1, 41):
            body = {"id": f"e{n}", "type": "did", "player": "zoe", "properties": {"n": n}}
            assert http.post("/v1/events", json=body).status_code == 202
        events = stream.wait_for(40, timeout=120)
        stream.close()
    assert [e.json["title"] for e in events] == [f"+{n} XP" for n in range(1, 41)]
    ids = [int(e.id or 0) for e in events]
    assert ids == sorted(set(ids))


def test_a_webhook_sender_killed_mid_delivery_is_taken_over_and_resends_with_the_same_id(
    pg_url: str,
    redis_url: str,
    tmp_path: Path,
    workers: Callable[..., QuestlineProcess],
) -> None:
    env = questline_env(
        pg_url,
        redis_url,
        worker_shards="4",
        bootstrap_key=ADMIN_KEY,
        webhook_allowed_networks="127.0.0.0/8",
        webhook_timeout_seconds="1",
        scheduler_state=str(tmp_path / "beat-state"),
    )
    workers(webhook_allowed_networks="127.0.0.0/8", webhook_timeout_seconds="1")
    started: list[QuestlineProcess] = []

    def sender(name: str) -> QuestlineProcess:
        args = ["worker", "--webhooks", "--pool", "solo"]
        started.append(QuestlineProcess(args, env, tmp_path / f"{name}.log").start())
        return started[-1]

    with Receiver() as receiver:
        port = free_port()
        started.append(start_api(env, tmp_path, "api", port))
        started.append(QuestlineProcess(["scheduler"], env, tmp_path / "beat.log").start())
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=HEADERS) as http:
                assert (
                    http.put(
                        "/v1/config", content=DESIGN, headers={"Content-Type": "application/yaml"}
                    ).status_code
                    == 201
                )
                wanted = {"url": receiver.url, "events": ["notification.created"]}
                endpoint = http.post("/v1/webhooks", json=wanted).json()
                first = sender("sender-1")
                receiver.hold()
                for n in range(1, 21):
                    body = {"id": f"e{n}", "type": "did", "player": "zoe", "properties": {"n": n}}
                    assert http.post("/v1/events", json=body).status_code == 202
                wait_for(lambda: receiver.held >= 1, timeout=60, what="a delivery", log=first)
                first.kill()  # SIGKILL in the middle of an attempt
                in_flight = {r.id for r in receiver.requests()}
                receiver.release()
                sender("sender-2")

                def delivered() -> list[dict[str, Any]] | None:
                    found = http.get(f"/v1/webhooks/{endpoint['id']}/deliveries").json()["data"]
                    done = len(found) == 20 and all(d["status"] == "succeeded" for d in found)
                    return found if done else None

                wait_for(delivered, timeout=120, what="every delivery", log=started[-1])
                found = delivered()
        finally:
            for process in started:
                process.kill()
    assert found is not None
    ids = [r.id for r in receiver.requests()]
    assert {d["message_id"] for d in found} == set(ids)
    assert all(ids.count(message) >= 2 for message in in_flight)
