"""API keys over HTTP: created with a secret shown once, listed, revoked, expiring."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.integration.conftest import Api


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_new_key_shows_its_secret_once_and_works_at_once(api: Api) -> None:
    created = api.post(
        "/v1/keys", json={"name": "web", "scopes": ["players:read"]}, expect=201
    ).json()
    assert created["secret"].startswith("ql_sk_")
    assert created["secret"].startswith(created["prefix"])
    assert created["scopes"] == ["players:read"]
    listed = api.get("/v1/keys", expect=200).json()
    assert created["id"] in [key["id"] for key in listed["data"]]
    assert "secret" not in api.get(f"/v1/keys/{created['id']}", expect=200).json()
    assert created["secret"] not in api.get("/v1/keys").text
    reader = api.client.get("/v1/keys", headers=bearer(created["secret"]))
    assert reader.status_code == 403  # players:read cannot manage keys
    api.post("/v1/events", json={"type": "t", "player": "p"}, expect=202)
    assert api.client.get("/v1/players/p", headers=bearer(created["secret"])).status_code == 200


def test_a_revoked_key_stops_working_and_says_when(api: Api) -> None:
    secret = api.post("/v1/keys", json={"name": "old", "scopes": ["admin"]}, expect=201).json()
    assert (
        api.client.get("/v1/config/versions", headers=bearer(secret["secret"])).status_code == 200
    )
    revoked = api.request("DELETE", f"/v1/keys/{secret['id']}", expect=200).json()
    assert revoked["revoked_at"] is not None
    refused = api.client.get("/v1/config/versions", headers=bearer(secret["secret"]))
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    again = api.request("DELETE", f"/v1/keys/{secret['id']}", expect=200).json()
    assert again["revoked_at"] == revoked["revoked_at"]


def test_last_used_is_recorded(api: Api) -> None:
    created = api.post("/v1/keys", json={"name": "k", "scopes": ["admin"]}, expect=201).json()
    assert created["last_used_at"] is None
    api.client.get("/v1/config/versions", headers=bearer(created["secret"]))
    used = api.get(f"/v1/keys/{created['id']}", expect=200).json()["last_used_at"]
    assert used is not None


def test_an_expired_key_is_refused(api: Api, client: TestClient) -> None:
    # Far enough ahead that the key is still in the future when a busy server reads it.
    soon = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()
    created = api.post(
        "/v1/keys", json={"name": "brief", "scopes": ["admin"], "expires_at": soon}, expect=201
    ).json()
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    refused = api.post("/v1/keys", json={"name": "x", "scopes": ["admin"], "expires_at": past})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["expires_at"]
    deadline = datetime.fromisoformat(created["expires_at"])
    while datetime.now(UTC) <= deadline:
        time.sleep(0.05)
    assert client.get("/v1/keys", headers=bearer(created["secret"])).status_code == 401


def test_bad_key_requests_name_the_field(api: Api) -> None:
    response = api.post("/v1/keys", json={"name": "", "scopes": ["root"]})
    assert response.status_code == 422
    locations = {tuple(error["loc"]) for error in response.json()["errors"]}
    assert ("name",) in locations
    assert ("scopes", 0) in locations
    assert api.get("/v1/keys/999999").status_code == 404
    assert api.get("/v1/keys/99999999999").status_code == 422
