"""The loop guard the concurrency tests rely on: it reports a blocked event loop, with
where it was blocked, and stays quiet about work done in the thread pool."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from questline.api.app import create_app
from questline.auth.policy import POLICY, PUBLIC
from questline.settings import Settings
from tests.support.loop_guard import watch_test_client

# The guard watches the server's event loop, whatever the database.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_loop_blocked_by_a_route_is_reported_with_where(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(POLICY, "GET /v1/sleep-on-the-loop", PUBLIC)
    app = create_app(settings)

    @app.get("/v1/sleep-on-the-loop")
    async def sleep_on_the_loop() -> None:
        time.sleep(0.4)

    with (
        TestClient(app) as client,
        pytest.raises(AssertionError) as raised,
        watch_test_client(client),
    ):
        client.get("/v1/sleep-on-the-loop")
    assert "blocked for more than 100 ms 1 time(s)" in str(raised.value)
    assert "in sleep_on_the_loop" in str(raised.value)


def test_a_route_that_waits_in_a_worker_thread_is_not_reported(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(POLICY, "GET /v1/sleep-in-a-thread", PUBLIC)
    app = create_app(settings)

    @app.get("/v1/sleep-in-a-thread")
    def sleep_in_a_thread() -> None:
        time.sleep(0.4)

    with TestClient(app) as client, watch_test_client(client) as report:
        assert client.get("/v1/sleep-in-a-thread").status_code == 200
        assert client.get("/health").status_code == 200
    assert report.entries() == []
