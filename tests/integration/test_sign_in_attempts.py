"""Failed sign-ins are counted before the password is checked, atomically, in memory and
in Redis: guesses sent at once cannot all slip past the limit."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import limits
import pytest
import redis
from fastapi.testclient import TestClient

from questline.api.app import create_app
from questline.auth.attempts import Attempts, MemoryAttempts, Place, RedisAttempts, Refused
from questline.auth.policy import Role
from tests.integration.conftest import make_settings
from tests.support.accounts import PASSWORD, add_user

GUESSES = 40


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def attempts_in(store: str, request: pytest.FixtureRequest) -> Attempts:
    if store == "memory":
        return MemoryAttempts()
    return RedisAttempts(redis.Redis.from_url(request.getfixturevalue("redis_url")))


def test_places_taken_at_once_never_exceed_the_limit(
    store: str, request: pytest.FixtureRequest
) -> None:
    attempts = attempts_in(store, request)
    limit = limits.parse("10 per 15 minutes")
    start = threading.Barrier(GUESSES)

    def take(_: int) -> Place | Refused:
        start.wait()
        return attempts.take(limit, "login-account", "ada@example.com")

    with ThreadPoolExecutor(GUESSES) as pool:
        outcomes = list(pool.map(take, range(GUESSES)))
    places = [o for o in outcomes if isinstance(o, Place)]
    refusals = [o for o in outcomes if isinstance(o, Refused)]
    assert len(places) == 10
    assert len(refusals) == GUESSES - 10
    assert all(0 < r.retry_after <= 15 * 60 for r in refusals)
    # A place given back (a sign-in that succeeded) is free again, for one attempt.
    attempts.give_back(places[0])
    assert isinstance(attempts.take(limit, "login-account", "ada@example.com"), Place)
    assert isinstance(attempts.take(limit, "login-account", "ada@example.com"), Refused)
    # Other keys have windows of their own.
    assert isinstance(attempts.take(limit, "login-account", "vic@example.com"), Place)


def test_concurrent_wrong_passwords_are_verified_no_more_than_the_limit(
    database_url: str, store: str, request: pytest.FixtureRequest
) -> None:
    add_user(database_url, "ada@example.com", Role.OWNER)
    extra: dict[str, Any] = {}
    if store == "redis":
        extra = {"redis_url": request.getfixturevalue("redis_url"), "embedded_worker": "off"}
    settings = make_settings(database_url, login_limit_per_account="10 per 15 minutes", **extra)
    with TestClient(create_app(settings)) as client:
        start = threading.Barrier(GUESSES)

        def guess(n: int) -> int:
            start.wait()
            body = {"email": "ada@example.com", "password": f"guess {n}"}
            return client.post("/v1/auth/login", json=body).status_code

        with ThreadPoolExecutor(GUESSES) as pool:
            statuses = list(pool.map(guess, range(GUESSES)))
        assert statuses.count(401) == 10
        assert statuses.count(429) == GUESSES - 10
        right = client.post(
            "/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
        )
        assert right.status_code == 429


def test_sign_ins_that_succeed_do_not_count(database_url: str) -> None:
    add_user(database_url, "ada@example.com", Role.OWNER)
    settings = make_settings(database_url, login_limit_per_account="10 per 15 minutes")
    body = {"email": "ada@example.com", "password": PASSWORD}
    with TestClient(create_app(settings)) as client:
        wrong = {**body, "password": "guess"}
        assert [client.post("/v1/auth/login", json=wrong).status_code for _ in range(9)] == [
            401
        ] * 9
        statuses = [client.post("/v1/auth/login", json=body).status_code for _ in range(5)]
        assert statuses == [200] * 5
        assert client.post("/v1/auth/login", json=wrong).status_code == 401
        assert client.post("/v1/auth/login", json=body).status_code == 429
