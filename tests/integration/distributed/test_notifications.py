"""Notifications in distributed mode: what any Celery worker writes reaches a live stream
on any API process, through Redis."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_KEY
from tests.integration.conftest import JWT_SECRET
from tests.support.processes import QuestlineProcess, free_port, questline_env, start_api
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
