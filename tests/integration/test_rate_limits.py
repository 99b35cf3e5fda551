"""Rate limits per key and per player, each app's own or the server's default; 429 with
Retry-After and RateLimit-* headers; shared through Redis by several servers."""

from __future__ import annotations

import threading
import time

import anyio
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from questline.api.app import create_app
from questline.auth.policy import POLICY, PUBLIC, Role
from questline.storage.apps import DEFAULT_APP, get_app
from tests.integration.conftest import Api, make_settings
from tests.support.accounts import PASSWORD, add_user
from tests.support.redis import RedisServer


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_key_over_its_apps_limit_gets_429_and_when_to_retry(api: Api, client: TestClient) -> None:
    api.request(
        "PUT", "/v1/apps/default/settings", json={"rate_limit_per_key": "10/minute"}, expect=200
    )
    key = api.post("/v1/keys", json={"name": "k", "scopes": ["admin"]}, expect=201).json()
    remaining = []
    for _ in range(10):
        response = client.get("/v1/config/versions", headers=bearer(key["secret"]))
        assert response.status_code == 200
        assert response.headers["ratelimit-limit"] == "10"
        remaining.append(int(response.headers["ratelimit-remaining"]))
    assert remaining == list(range(9, -1, -1))
    refused = client.get("/v1/config/versions", headers=bearer(key["secret"]))
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "too_many_requests"
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit-remaining"] == "0"
    # Another key of the same app has its own allowance.
    other = api.post("/v1/keys", json={"name": "o", "scopes": ["admin"]}, expect=201).json()
    assert client.get("/v1/config/versions", headers=bearer(other["secret"])).status_code == 200


def test_a_single_event_counts_once_whether_it_is_valid_or_not(
    api: Api, client: TestClient
) -> None:
    api.request(
        "PUT", "/v1/apps/default/settings", json={"rate_limit_per_key": "10/minute"}, expect=200
    )
    key = api.post("/v1/keys", json={"name": "k", "scopes": ["events:write"]}, expect=201).json()
    good = {"type": "did", "player": "p"}
    bad = {"type": "did", "player": "p", "colour": "red"}
    answers = [
        client.post("/v1/events", json=body, headers=bearer(key["secret"]))
        for body in (good, bad) * 5 + (good,)
    ]
    assert [a.status_code for a in answers] == [202, 422] * 5 + [429]
    assert [a.headers["ratelimit-remaining"] for a in answers] == [
        *(str(n) for n in range(9, -1, -1)),
        "0",
    ]


def test_each_player_has_its_own_allowance(api: Api, client: TestClient) -> None:
    api.request(
        "PUT", "/v1/apps/default/settings", json={"rate_limit_per_player": "10/minute"}, expect=200
    )
    zoe = api.post("/v1/players/zoe/token", expect=200).json()["token"]
    max_ = api.post("/v1/players/max/token", expect=200).json()["token"]
    statuses = [client.get("/v1/players/zoe", headers=bearer(zoe)).status_code for _ in range(11)]
    assert statuses == [404] * 10 + [429]
    assert client.get("/v1/players/max", headers=bearer(max_)).status_code == 404


def test_a_limit_that_is_not_one_is_refused_where_it_is(api: Api) -> None:
    response = api.request("PUT", "/v1/apps/default/settings", json={"rate_limit_per_key": "lots"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["rate_limit_per_key"]


@pytest.mark.parametrize("limit", ["0/minute", "9/minute", "1/hour", "1 per 7 seconds"])
def test_a_limit_below_the_floor_is_refused_saying_the_floor(api: Api, limit: str) -> None:
    for field in ("rate_limit_per_key", "rate_limit_per_player"):
        response = api.request("PUT", "/v1/apps/default/settings", json={field: limit})
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"] == [field]
        assert "10/minute" in response.json()["detail"]
    assert api.get("/v1/apps/default", expect=200).json()["settings"]["rate_limit_per_key"] is None


@pytest.mark.parametrize("limit", ["10/minute", "600/hour", "1 per 6 seconds"])
def test_a_limit_at_the_floor_is_accepted(api: Api, limit: str) -> None:
    api.request("PUT", "/v1/apps/default/settings", json={"rate_limit_per_key": limit}, expect=200)


def test_the_servers_own_limits_must_be_limits_above_the_floor(database_url: str) -> None:
    for wrong in ({"rate_limit_per_key": "0/minute"}, {"rate_limit_per_player": "lots"}):
        with pytest.raises(ValidationError):
            make_settings(database_url, **wrong)


def test_an_administrator_over_the_limit_can_still_change_the_limit(
    api: Api, client: TestClient
) -> None:
    """A limit too tight for the app's own use must not refuse the request that loosens it."""
    api.request(
        "PUT", "/v1/apps/default/settings", json={"rate_limit_per_key": "10/minute"}, expect=200
    )
    reader = api.post("/v1/keys", json={"name": "r", "scopes": ["players:read"]}, expect=201)
    while api.get("/v1/config/versions").status_code != 429:
        pass
    # A caller who may not change settings is counted, and refused, as everywhere.
    refused = client.put(
        "/v1/apps/default/settings", json={}, headers=bearer(reader.json()["secret"])
    )
    for _ in range(10):
        refused = client.put(
            "/v1/apps/default/settings", json={}, headers=bearer(reader.json()["secret"])
        )
    assert refused.status_code == 429
    # The administrator is not, however often they try.
    for _ in range(12):
        api.request(
            "PUT",
            "/v1/apps/default/settings",
            json={"rate_limit_per_key": "10/minute"},
            expect=200,
        )
    api.request(
        "PUT", "/v1/apps/default/settings", json={"rate_limit_per_key": "600/minute"}, expect=200
    )
    assert api.get("/v1/config/versions").status_code == 200


def test_a_console_owner_over_the_limit_can_still_change_the_limit(database_url: str) -> None:
    add_user(database_url, "ada@example.com", Role.OWNER)
    with TestClient(create_app(make_settings(database_url))) as client:
        signed_in = client.post(
            "/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
        )
        owner = bearer(signed_in.json()["access_token"])
        tight = {"rate_limit_per_key": "10/minute"}
        assert client.put("/v1/apps/default/settings", json=tight, headers=owner).is_success
        while client.get("/v1/config/versions", headers=owner).status_code != 429:
            pass
        loose = {"rate_limit_per_key": "600/minute"}
        changed = client.put("/v1/apps/default/settings", json=loose, headers=owner)
        assert changed.status_code == 200, changed.text
        assert client.get("/v1/config/versions", headers=owner).status_code == 200


def test_a_limit_stored_below_the_floor_is_enforced_at_the_floor(database_url: str) -> None:
    """Settings written before the floor existed do not keep an app shut out."""
    with TestClient(create_app(make_settings(database_url))) as client:
        context = client.app.state.questline  # type: ignore[attr-defined]
        with context.database.transaction() as session:
            app = get_app(session, DEFAULT_APP)
            assert app is not None
            app.settings = {"rate_limit_per_key": "0/minute"}
        api = Api(client)
        shown = api.get("/v1/apps/default", expect=200).json()["settings"]
        assert shown["rate_limit_per_key"] == "0/minute"
        statuses = [api.get("/v1/config/versions").status_code for _ in range(10)]
    assert statuses == [200] * 9 + [429]


def test_the_servers_default_applies_when_the_app_sets_none(database_url: str) -> None:
    settings = make_settings(database_url, rate_limit_per_key="10/minute")
    with TestClient(create_app(settings)) as client:
        api = Api(client)
        statuses = [api.get("/v1/config/versions").status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]


def test_servers_sharing_redis_share_the_count(database_url: str, redis_url: str) -> None:
    settings = make_settings(database_url, rate_limit_per_key="10/minute", redis_url=redis_url)
    with (
        TestClient(create_app(settings)) as first,
        TestClient(create_app(settings)) as second,
    ):
        statuses = [
            Api(client).get("/v1/config/versions").status_code
            for client in (first, second) * 5 + (first, second)
        ]
    assert statuses == [200] * 10 + [429, 429]


def test_an_endpoint_that_does_not_answer_in_time_gets_503(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(POLICY, "GET /v1/slow", PUBLIC)
    monkeypatch.setitem(POLICY, "GET /v1/slow-in-a-thread", PUBLIC)
    app = create_app(make_settings(database_url, request_timeout_seconds=2))
    released = threading.Event()

    @app.get("/v1/slow")
    async def slow() -> dict[str, str]:
        await anyio.sleep(60)
        return {"status": "late"}

    @app.get("/v1/slow-in-a-thread")
    def slow_in_a_thread() -> dict[str, str]:
        released.wait(60)
        return {"status": "late"}

    with TestClient(app) as client:
        try:
            for path in ("/v1/slow", "/v1/slow-in-a-thread"):
                started = time.monotonic()
                response = client.get(path, headers={"X-Request-ID": "slow-1"})
                waited = time.monotonic() - started
                assert response.status_code == 503
                assert response.json()["code"] == "timeout"
                assert response.json()["request_id"] == "slow-1"
                assert response.headers["x-request-id"] == "slow-1"
                assert response.headers["retry-after"] == "1"
                assert waited < 30  # answered at the limit, not when the endpoint finished
                assert client.get("/health").status_code == 200
        finally:
            released.set()


def test_while_the_redis_holding_the_counts_is_down_requests_get_503_not_500(
    database_url: str,
) -> None:
    with RedisServer() as counts:
        settings = make_settings(
            database_url, rate_limit_per_key="100/minute", redis_url=counts.url
        )
        with TestClient(create_app(settings)) as client:
            api = Api(client)
            # The first request looks the key up; the next ones count on the event loop.
            for _ in range(3):
                assert api.get("/v1/config/versions").status_code == 200
            counts.pause()
            down = api.get("/v1/config/versions")
            assert down.status_code == 503
            assert down.headers["Retry-After"]
            assert down.json()["code"] == "unavailable"
            counts.resume()
            back = api.get("/v1/config/versions")
            assert back.status_code == 200
            assert int(back.headers["RateLimit-Remaining"]) < 100
