"""Liveness and readiness."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from questline.api.app import create_app
from questline.auth.policy import POLICY, PUBLIC
from questline.settings import Settings
from tests.integration.conftest import Api


def test_health_and_ready_answer_without_a_key(api: Api) -> None:
    assert api.client.get("/health").json() == {"status": "ok"}
    ready = api.client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"]["status"] == "ok"


def test_the_openapi_document_lists_the_core_resources(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/events",
        "/v1/events/batch",
        "/v1/events/{event_id}",
        "/v1/players/{player_id}",
        "/v1/players/{player_id}/ledger",
        "/v1/config",
        "/v1/config/versions",
        "/v1/config/validate",
        "/v1/items",
    ):
        assert path in paths
    assert api.client.get("/docs").status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_health_answers_while_every_worker_thread_is_busy(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(POLICY, "GET /v1/busy", PUBLIC)
    app = create_app(settings)
    released = threading.Event()

    @app.get("/v1/busy")
    def busy() -> None:
        released.wait(60)

    with TestClient(app) as client:
        busy_requests = [
            threading.Thread(target=client.get, args=("/v1/busy",)) for _ in range(50)
        ]  # more than the 40 worker threads
        try:
            for request in busy_requests:
                request.start()
            answers: list[int] = []
            probe = threading.Thread(
                target=lambda: answers.append(client.get("/health").status_code)
            )
            probe.start()
            probe.join(timeout=10)  # a hung answer, not a slow one
            assert answers == [200]
        finally:
            released.set()
            for request in busy_requests:
                request.join()
