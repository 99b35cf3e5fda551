"""Liveness and readiness."""

from __future__ import annotations

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
