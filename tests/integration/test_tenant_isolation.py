"""A key of one app never reads or changes another app's data, on any endpoint."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from questline.api.app import create_app
from questline.auth.policy import Role, decision_for
from questline.settings import Settings
from questline.storage.apps import create_key, ensure_app
from questline.storage.database import Database
from tests.integration.conftest import Api, make_settings
from tests.support.accounts import PASSWORD, add_user

DESIGN = """
currencies: {xp: {}}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
"""
# Names that exist only in app A; none may show up in answers given to app B.
MARKERS = ("zoe-of-a", "item-of-a", "event-of-a", "key-of-a", "design-of-a", "owner@a.")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def other_key(settings: Settings) -> Iterator[str]:
    database = Database(settings.database_url)
    try:
        with database.transaction() as session:
            _, secret = create_key(
                session, ensure_app(session, "other"), name="b", scopes=["admin"]
            )
        yield secret
    finally:
        database.dispose()


def _owner_token(client: TestClient, email: str) -> dict[str, str]:
    signed_in = client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: values.get(match[1], "x"), path)


def _bodies(a_key_id: int) -> dict[str, Any]:
    return {
        "POST /v1/events": {"id": "event-of-a", "type": "did", "player": "zoe-of-a"},
        "POST /v1/events/batch": {"events": [{"type": "did", "player": "zoe-of-a"}]},
        "PATCH /v1/items/{key}": {"active": False, "attributes": {"xp": 1}},
        "POST /v1/config/rollback": {"version": 1},
        "PUT /v1/apps/{app_id}/settings": {"player_event_types": ["did"]},
        "POST /v1/items": {"key": "item-of-a", "kind": "thing"},
        "DELETE /v1/keys/{key_id}": None,
        "PUT /v1/users/{email}": {"role": "viewer", "password": "a password of b's choosing"},
        "_key_id": a_key_id,
    }


_UNSTABLE = {"/v1/apps"}


def _snapshot(client: TestClient, headers: dict[str, str], values: dict[str, str]) -> list[str]:
    """Every GET answer app A's own admin sees, minus what reading itself changes (and
    the moment a figure was computed)."""
    seen = []
    for path, operations in sorted(client.app.openapi()["paths"].items()):  # type: ignore[attr-defined]
        # A's user's list of apps grows by B's app when B invites them: that is B's gift,
        # not a change to A (GET /v1/apps/{app_id} still covers A's own app).
        if "get" not in operations or not path.startswith("/v1/") or path in _UNSTABLE:
            continue
        text = client.get(_fill(path, values), headers=headers).text
        # `as_of`: when analytics computed a distribution, on the spot if no snapshot yet.
        seen.append(re.sub(r'"(last_used_at|request_id|as_of)":"[^"]*"', "", text))
    return seen


@pytest.mark.parametrize("intruder", ["admin key", "owner"])
def test_another_apps_admin_neither_reads_nor_changes_anything(
    settings: Settings, other_key: str, intruder: str
) -> None:
    add_user(settings.database_url, "owner@a.example.com", Role.OWNER)
    add_user(settings.database_url, "owner@b.example.com", Role.OWNER, app="other")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        a = Api(client)
        a.publish(DESIGN.replace("{xp: {}}", "{xp: {}}\n# design-of-a"))
        a.item("item-of-a", "thing", xp=5)
        a.post(
            "/v1/events",
            params={"wait": "true"},
            json={"id": "event-of-a", "type": "did", "player": "zoe-of-a", "properties": {"n": 3}},
            expect=202,
        )
        key = a.post("/v1/keys", json={"name": "key-of-a", "scopes": ["admin"]}, expect=201).json()
        values = {
            "player_id": "zoe-of-a",
            "event_id": "event-of-a",
            "key": "item-of-a",
            "version": "1",
            "key_id": str(key["id"]),
            "app_id": "default",
            "email": "owner@a.example.com",
        }
        a_owner = _owner_token(client, "owner@a.example.com")
        before = _snapshot(client, a_owner, values)
        assert any("zoe-of-a" in text for text in before)  # the snapshot sees A's data
        b = (
            {"Authorization": f"Bearer {other_key}"}
            if intruder == "admin key"
            else _owner_token(client, "owner@b.example.com")
        )
        bodies = _bodies(key["id"])
        # Reads first (B has created nothing yet, so any marker is A's), then writes.
        routes = sorted(
            (method != "get", method.upper(), path)
            for path, operations in client.app.openapi()["paths"].items()  # type: ignore[attr-defined]
            for method in operations
        )
        for _, method, path in routes:
            route = f"{method} {path}"
            access = decision_for(method, path)
            if access is None or access.permission is None:
                continue
            response = client.request(
                method, _fill(path, values), headers=b, json=bodies.get(route)
            )
            assert response.status_code < 500, f"{route}: {response.text}"
            if route in (
                "POST /v1/events",
                "POST /v1/events/batch",
                "POST /v1/items",
                "PUT /v1/users/{email}",
                "POST /v1/players/{player_id}/token",  # a token for B's own app
            ):
                continue  # B's own new records echo the names B sent
            if response.is_error:
                # Refusals may echo the id B asked for; they must not find A's object.
                assert response.status_code != 409, f"{route} collided with app A's data"
                continue
            leaked = [marker for marker in MARKERS if marker in response.text]
            assert leaked == [], f"{route} answered app B with app A's {leaked}"
        assert _snapshot(client, a_owner, values) == before
        assert (
            client.get("/v1/keys", headers={"Authorization": f"Bearer {key['secret']}"}).status_code
            == 200
        )
