"""Player tokens: a player's own client reads its own state, and submits events for
itself only when the app allows those event types."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.conftest import Api

DESIGN = """
currencies: {xp: {}}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
"""


def token_for(api: Api, player: str, **body: Any) -> str:
    minted = api.post(f"/v1/players/{player}/token", json=body or None, expect=200).json()
    assert minted["player"] == player
    return str(minted["token"])


def as_player(client: TestClient, token: str, method: str, path: str, **kwargs: Any) -> Any:
    return client.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)


def test_a_player_reads_its_own_state_and_ledger_only(api: Api, client: TestClient) -> None:
    api.publish(DESIGN)
    api.event("zoe", "did", n=5)
    api.event("max", "did", n=7)
    zoe = token_for(api, "zoe")
    own = as_player(client, zoe, "GET", "/v1/players/zoe")
    assert own.status_code == 200
    assert own.json()["currencies"]["xp"]["balance"] == 5
    assert as_player(client, zoe, "GET", "/v1/players/zoe/ledger").json()["data"][0]["amount"] == 5
    other = as_player(client, zoe, "GET", "/v1/players/max")
    assert other.status_code == 403
    assert "currencies" not in other.text
    assert as_player(client, zoe, "GET", "/v1/players/max/ledger").status_code == 403
    assert as_player(client, zoe, "GET", "/v1/config").status_code == 403
    assert as_player(client, zoe, "GET", "/v1/keys").status_code == 403
    assert as_player(client, zoe, "POST", "/v1/players/zoe/token").status_code == 403


def test_players_submit_nothing_unless_the_app_allows_it(api: Api, client: TestClient) -> None:
    api.publish(DESIGN)
    zoe = token_for(api, "zoe")
    event = {"type": "did", "player": "zoe", "properties": {"n": 2}}
    refused = as_player(client, zoe, "POST", "/v1/events", json=event)
    assert refused.status_code == 403
    assert "does not let players submit" in refused.json()["detail"]

    api.request(
        "PUT", "/v1/apps/default/settings", json={"player_event_types": ["did"]}, expect=200
    )
    accepted = as_player(client, zoe, "POST", "/v1/events", params={"wait": "true"}, json=event)
    assert accepted.status_code == 202, accepted.text
    assert api.player("zoe")["currencies"]["xp"]["balance"] == 2

    for_max = as_player(client, zoe, "POST", "/v1/events", json={**event, "player": "max"})
    assert for_max.status_code == 403
    other_type = as_player(client, zoe, "POST", "/v1/events", json={**event, "type": "won"})
    assert other_type.status_code == 403
    batch = {"events": [event, {**event, "player": "max"}]}
    assert as_player(client, zoe, "POST", "/v1/events/batch", json=batch).status_code == 403
    assert api.get("/v1/players/max").status_code == 404  # nothing was written for max
    fine = as_player(client, zoe, "POST", "/v1/events/batch", json={"events": [event]})
    assert fine.status_code == 202


def test_player_tokens_are_short_lived_and_not_console_tokens(api: Api, client: TestClient) -> None:
    minted = api.post("/v1/players/zoe/token", json={"minutes": 5}, expect=200).json()
    assert minted["expires_in"] == 300
    capped = api.post("/v1/players/zoe/token", json={"minutes": 600}, expect=200).json()
    assert capped["expires_in"] == 15 * 60
    refresh = client.post("/v1/auth/refresh", json={"refresh_token": minted["token"]})
    assert refresh.status_code == 401
    bad = api.post("/v1/players/zoe/token", json={"minutes": 0})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["minutes"]


def test_a_players_key_cannot_mint_tokens(api: Api, client: TestClient) -> None:
    reader = api.post("/v1/keys", json={"name": "r", "scopes": ["players:read"]}, expect=201)
    secret = reader.json()["secret"]
    response = client.post("/v1/players/zoe/token", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403


def test_a_player_event_whose_type_is_not_text_is_a_422_where_it_is(
    api: Api, client: TestClient
) -> None:
    api.publish(DESIGN)
    api.request(
        "PUT", "/v1/apps/default/settings", json={"player_event_types": ["did"]}, expect=200
    )
    zoe = token_for(api, "zoe")
    for kind in (["did"], {"did": 1}, 7, None):
        event = {"type": kind, "player": "zoe", "properties": {"n": 2}}
        single = as_player(client, zoe, "POST", "/v1/events", json=event)
        assert single.status_code == 422, single.text
        assert single.json()["errors"][0]["loc"] == ["type"]
        assert single.headers["x-request-id"] == single.json()["request_id"]
        batch = as_player(client, zoe, "POST", "/v1/events/batch", json={"events": [event]})
        assert batch.status_code == 202, batch.text
        assert batch.json()["results"][0]["error"]["errors"][0]["loc"] == ["events", 0, "type"]
    api.get("/v1/players/zoe", expect=404)
    deep = b'{"type": "did", "player": "zoe", "properties": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    headers = {"Authorization": f"Bearer {zoe}", "Content-Type": "application/json"}
    nested = client.post("/v1/events", content=deep, headers=headers)
    assert nested.status_code == 400, nested.text
    assert nested.json()["code"] == "malformed_body"
