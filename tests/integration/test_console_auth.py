"""Console sign-in: access and refresh tokens, rotation with reuse detection, sign-out,
throttling, and tokens that are tampered with, expired or of the wrong type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from questline.auth.policy import Role
from questline.processing.periodic import JobContext, prune_refresh_tokens
from questline.settings import Settings
from tests.integration.conftest import JWT_SECRET, make_settings
from tests.support.accounts import PASSWORD, add_user


@pytest.fixture
def settings(database_url: str) -> Settings:
    add_user(database_url, "ada@example.com", Role.OWNER)
    add_user(database_url, "vic@example.com", Role.VIEWER)
    return make_settings(database_url, login_limit_per_account="3 per minute")


def login(client: TestClient, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/v1/auth/login", json={"email": email, "password": password, **extra})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_user_signs_in_and_acts_in_their_role(client: TestClient) -> None:
    signed_in = login(client, "Ada@Example.com")
    assert signed_in.status_code == 200, signed_in.text
    pair = signed_in.json()
    assert pair["app"] == "default"
    assert pair["role"] == "owner"
    assert pair["expires_in"] == 30 * 60
    assert pair["refresh_expires_in"] in (7 * 86400, 7 * 86400 - 1)
    assert client.get("/v1/keys", headers=bearer(pair["access_token"])).status_code == 200

    viewer = login(client, "vic@example.com").json()
    assert (
        client.get("/v1/config/versions", headers=bearer(viewer["access_token"])).status_code == 200
    )
    refused = client.put("/v1/config", headers=bearer(viewer["access_token"]), content=b"{}")
    assert refused.status_code == 403
    assert "role 'viewer'" in refused.json()["detail"]


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client: TestClient) -> None:
    wrong = login(client, "ada@example.com", "not the password")
    unknown = login(client, "nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"]


def test_repeated_failures_lock_the_account_for_a_while(client: TestClient) -> None:
    for _ in range(3):
        assert login(client, "ada@example.com", "guess").status_code == 401
    locked = login(client, "ada@example.com")  # even the right password
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert locked.json()["code"] == "too_many_requests"
    # Unknown emails are throttled alike, so the lock reveals nothing either.
    for _ in range(3):
        login(client, "nobody@example.com", "guess")
    assert login(client, "nobody@example.com", "guess").status_code == 429
    assert login(client, "vic@example.com").status_code == 200


def test_failures_from_one_address_are_throttled_across_accounts(database_url: str) -> None:
    settings = make_settings(database_url, login_limit_per_ip="4 per minute")
    from questline.api.app import create_app

    with TestClient(create_app(settings)) as client:
        for index in range(4):
            assert login(client, f"user{index}@example.com", "guess").status_code == 401
        assert login(client, "ada@example.com").status_code == 429


def test_a_refresh_token_works_once_and_its_reuse_revokes_the_whole_sign_in(
    client: TestClient,
) -> None:
    first = login(client, "ada@example.com").json()
    second = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert client.get("/v1/keys", headers=bearer(rotated["access_token"])).status_code == 200

    replay = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert "already used" in replay.json()["detail"]
    stolen = client.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert stolen.status_code == 401  # the family is revoked, the newest token too

    other = login(client, "ada@example.com").json()  # another sign-in is unaffected
    assert (
        client.post("/v1/auth/refresh", json={"refresh_token": other["refresh_token"]}).status_code
        == 200
    )


def test_a_periodic_job_deletes_refresh_tokens_once_they_expire(
    client: TestClient, settings: Settings
) -> None:
    first = login(client, "ada@example.com").json()
    refresh = {"refresh_token": first["refresh_token"]}
    assert client.post("/v1/auth/refresh", json=refresh).status_code == 200
    context = client.app.state.questline  # type: ignore[attr-defined]
    job = JobContext(settings, context.database, context.worker)
    assert prune_refresh_tokens(job) == 0  # the used one is kept: its reuse is detected
    reuse = client.post("/v1/auth/refresh", json=refresh)
    assert (reuse.status_code, "already used" in reuse.json()["detail"]) == (401, True)
    later = datetime.now(UTC) + timedelta(days=settings.refresh_token_days, minutes=1)
    assert prune_refresh_tokens(job, later) == 2  # the family, used token and newest
    assert prune_refresh_tokens(job, later) == 0


def test_logout_revokes_the_refresh_token(client: TestClient) -> None:
    pair = login(client, "ada@example.com").json()
    assert (
        client.post("/v1/auth/logout", json={"refresh_token": pair["refresh_token"]}).status_code
        == 204
    )
    again = client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 401


def _forge(**claims: Any) -> str:
    now = datetime.now(UTC)
    base = {
        "iss": "questline",
        "typ": "access",
        "sub": "1",
        "app": 1,
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": "x",
    }
    return jwt.encode({**base, **claims}, JWT_SECRET, algorithm="HS256")


def test_tampered_expired_and_foreign_tokens_are_refused(client: TestClient) -> None:
    access = login(client, "ada@example.com").json()["access_token"]
    header, payload, signature = access.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    cases = {
        "tampered signature": f"{header}.{payload}.{flipped}",
        "expired": _forge(exp=datetime.now(UTC) - timedelta(seconds=5)),
        "signed with another secret": jwt.encode(
            {
                "iss": "questline",
                "typ": "access",
                "sub": "1",
                "app": 1,
                "iat": datetime.now(UTC),
                "exp": datetime.now(UTC) + timedelta(minutes=5),
            },
            "another-secret-another-secret-another-secret",
            algorithm="HS256",
        ),
        "unsigned": jwt.encode({"typ": "access", "sub": "1", "app": 1}, None, algorithm="none"),
        "unknown type": _forge(typ="refresh"),
        "unknown user": _forge(sub="999999"),
    }
    for name, token in cases.items():
        response = client.get("/v1/keys", headers=bearer(token))
        assert response.status_code == 401, name
    assert "expired" in client.get("/v1/keys", headers=bearer(cases["expired"])).json()["detail"]


def test_an_access_token_is_no_refresh_token_and_a_refresh_token_no_access_token(
    client: TestClient,
) -> None:
    pair = login(client, "ada@example.com").json()
    as_refresh = client.post("/v1/auth/refresh", json={"refresh_token": pair["access_token"]})
    assert as_refresh.status_code == 401
    as_access = client.get("/v1/keys", headers=bearer(pair["refresh_token"]))
    assert as_access.status_code == 401
    # and the refresh token is still good: misuse did not consume it
    assert (
        client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code
        == 200
    )


def test_removing_a_user_takes_effect_on_their_next_request(client: TestClient) -> None:
    owner = login(client, "ada@example.com").json()["access_token"]
    viewer = login(client, "vic@example.com").json()["access_token"]
    assert client.get("/v1/config/versions", headers=bearer(viewer)).status_code == 200
    assert client.delete("/v1/users/vic@example.com", headers=bearer(owner)).status_code == 204
    assert client.get("/v1/config/versions", headers=bearer(viewer)).status_code == 401


def test_owners_manage_users_and_an_app_keeps_one_owner(client: TestClient) -> None:
    owner = bearer(login(client, "ada@example.com").json()["access_token"])
    made = client.put(
        "/v1/users/eve@example.com",
        headers=owner,
        json={"role": "editor", "password": "another long password"},
    )
    assert made.status_code == 200, made.text
    assert login(client, "eve@example.com", "another long password").json()["role"] == "editor"
    no_password = client.put("/v1/users/new@example.com", headers=owner, json={"role": "viewer"})
    assert no_password.status_code == 422
    assert no_password.json()["errors"][0]["loc"] == ["password"]
    demote = client.put("/v1/users/ada@example.com", headers=owner, json={"role": "admin"})
    assert demote.status_code == 409
    listed = client.get("/v1/users", headers=owner).json()["data"]
    assert {m["email"]: m["role"] for m in listed} == {
        "ada@example.com": "owner",
        "vic@example.com": "viewer",
        "eve@example.com": "editor",
    }
    audit = client.get("/v1/audit", headers=owner, params={"target_type": "user"}).json()["data"]
    assert audit[0]["actor"] == "user:ada@example.com"
    assert audit[0]["after"] == {"role": "editor"}


def test_an_owner_creates_an_app_and_owns_it(client: TestClient) -> None:
    owner = bearer(login(client, "ada@example.com").json()["access_token"])
    created = client.post("/v1/apps", headers=owner, json={"id": "fitness", "name": "Fitness"})
    assert created.status_code == 201, created.text
    assert (
        client.post("/v1/apps", headers=owner, json={"id": "fitness", "name": "F"}).status_code
        == 409
    )
    assert {a["id"] for a in client.get("/v1/apps", headers=owner).json()["data"]} == {
        "default",
        "fitness",
    }
    there = login(client, "ada@example.com", app="fitness").json()
    assert there["app"] == "fitness"
    assert there["role"] == "owner"
    viewer = bearer(login(client, "vic@example.com").json()["access_token"])
    assert client.post("/v1/apps", headers=viewer, json={"id": "x", "name": "X"}).status_code == 403
    elsewhere = login(client, "vic@example.com", app="fitness")
    assert elsewhere.status_code == 403


def test_an_owner_reads_every_app_they_list_and_changes_each_signed_in_to_it(
    client: TestClient,
) -> None:
    owner = bearer(login(client, "ada@example.com").json()["access_token"])
    client.post("/v1/apps", headers=owner, json={"id": "fitness", "name": "Fitness"})
    listed = {a["id"] for a in client.get("/v1/apps", headers=owner).json()["data"]}
    for app in listed:
        read = client.get(f"/v1/apps/{app}", headers=owner)
        assert read.status_code == 200, read.text
        assert read.json()["id"] == app
    # A sign-in acts in one app: changing another's settings needs a sign-in there.
    elsewhere = client.put("/v1/apps/fitness/settings", headers=owner, json={})
    assert elsewhere.status_code == 403
    assert '"app": "fitness"' in elsewhere.json()["detail"]
    there = bearer(login(client, "ada@example.com", app="fitness").json()["access_token"])
    assert client.put("/v1/apps/fitness/settings", headers=there, json={}).status_code == 200
    # Apps the user has no role in stay unknown to them.
    viewer = bearer(login(client, "vic@example.com").json()["access_token"])
    assert client.get("/v1/apps/fitness", headers=viewer).status_code == 404


def test_without_a_signing_secret_console_sign_in_is_unavailable(database_url: str) -> None:
    from questline.api.app import create_app

    settings = make_settings(database_url, jwt_secret=None)
    with TestClient(create_app(settings)) as client:
        response = login(client, "ada@example.com")
        assert response.status_code == 503
        assert "QUESTLINE_JWT_SECRET" in response.json()["detail"]


def test_a_password_hashed_under_weaker_settings_is_upgraded_at_sign_in(
    settings: Settings, client: TestClient
) -> None:
    from argon2 import PasswordHasher

    from questline.storage.database import Database
    from questline.storage.users import find_user

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    database = Database(settings.database_url)
    try:
        with database.transaction() as session:
            user = find_user(session, "vic@example.com")
            assert user is not None
            user.password_hash = weak
        assert login(client, "vic@example.com").status_code == 200
        with database.reader() as session:
            upgraded = find_user(session, "vic@example.com")
            assert upgraded is not None
            assert upgraded.password_hash != weak
            assert upgraded.password_hash.startswith("$argon2id$")
    finally:
        database.dispose()
    assert login(client, "vic@example.com").status_code == 200
