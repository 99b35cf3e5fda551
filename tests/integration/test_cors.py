"""CORS: each app names the browser origins that may call the API for it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from questline.settings import Settings
from questline.storage.apps import create_key, ensure_app
from questline.storage.database import Database
from tests.integration.conftest import Api

GAME = "https://game.example.com"
OTHER = "https://other.example.com"


def other_app_key(settings: Settings) -> str:
    database = Database(settings.database_url)
    try:
        with database.transaction() as session:
            _, secret = create_key(
                session, ensure_app(session, "other"), name="o", scopes=["admin"]
            )
        return secret
    finally:
        database.dispose()


def test_only_the_callers_own_app_decides_which_origins_may_read(
    api: Api, client: TestClient, settings: Settings
) -> None:
    other_key = other_app_key(settings)
    api.request("PUT", "/v1/apps/default/settings", json={"cors_origins": [GAME]}, expect=200)
    client.put(
        "/v1/apps/other/settings",
        json={"cors_origins": [OTHER]},
        headers={"Authorization": f"Bearer {other_key}"},
    ).raise_for_status()

    preflight = client.options(
        "/v1/players/zoe",
        headers={
            "Origin": GAME,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == GAME
    assert "Authorization" in preflight.headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in preflight.headers
    evil = client.options(
        "/v1/players/zoe",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert evil.status_code == 403
    assert "access-control-allow-origin" not in evil.headers

    from_game = api.get("/v1/config/versions", headers={"Origin": GAME})
    assert from_game.headers["access-control-allow-origin"] == GAME
    assert "X-Request-ID" in from_game.headers["access-control-expose-headers"]
    # OTHER is allowed by the other app, not by this key's app.
    from_other = api.get("/v1/config/versions", headers={"Origin": OTHER})
    assert from_other.status_code == 200
    assert "access-control-allow-origin" not in from_other.headers
    assert from_other.headers["vary"] == "Origin"


def test_an_origin_must_be_an_origin(api: Api) -> None:
    response = api.request("PUT", "/v1/apps/default/settings", json={"cors_origins": ["*"]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["cors_origins"]
