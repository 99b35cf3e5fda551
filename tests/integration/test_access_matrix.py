"""The authorization matrix: every route in the OpenAPI schema, called by every kind of
caller, is allowed or refused exactly as ``auth.policy`` decides, and a route nobody
decided about is refused to everyone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from questline.api.app import create_app
from questline.auth.policy import (
    POLICY,
    ROLE_PERMISSIONS,
    SCOPE_PERMISSIONS,
    Access,
    Role,
    Scope,
    decision_for,
)
from questline.settings import Settings
from questline.storage.apps import create_key, ensure_app
from questline.storage.database import Database
from tests.integration.conftest import make_settings
from tests.support.accounts import PASSWORD, add_user

OWN_PLAYER = "zoe"
# Ids that exist nowhere, so that allowed calls (a DELETE among them) change nothing.
PATH_VALUES = {"player_id": OWN_PLAYER, "version": "1", "key_id": "999999", "app_id": "default"}


@dataclass(frozen=True)
class Caller:
    name: str
    token: str | None
    scopes: tuple[Scope, ...] = ()
    role: Role | None = None
    player: str | None = None
    valid: bool = True


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every route: those of the OpenAPI schema, and those it leaves out (the player pages)."""
    found = set()
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            found.add((method.upper(), path))
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and not route.include_in_schema:
            found |= {(method, str(context.path_format)) for method in route.methods}
    return sorted(found)


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: PATH_VALUES.get(match[1], "x"), path)


def expected_allowed(access: Access, caller: Caller) -> bool:
    """The matrix as a reader states it, from the policy's own tables."""
    if access.permission is None:
        return True
    if not caller.valid:
        return False
    if access.console:
        return False  # a console page opens with a console session's cookie, never a bearer
    if access.page:
        return caller.player is not None  # every player token opens its own pages
    if caller.player is not None:
        # A shared read (a board, a league group) may still be refused by its route for
        # another player's circle or group; the ids the matrix sends name neither.
        return access.shared or (access.own_player and caller.player == OWN_PLAYER)
    granted = set()
    for scope in caller.scopes:
        granted |= SCOPE_PERMISSIONS[scope]
    if caller.role is not None:
        granted |= ROLE_PERMISSIONS[caller.role]
    return access.permission in granted


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Each player token calls every route once: more than the default per-player limit
    # allows in a minute (rate limits have tests of their own).
    return make_settings(database_url, rate_limit_per_player="1000/minute")


@pytest.fixture
def callers(settings: Settings) -> list[Caller]:
    database = Database(settings.database_url)
    found = [
        Caller("anonymous", None, valid=False),
        Caller("garbage", "not-a-token", valid=False),
        Caller("unknown key", "ql_sk_" + "x" * 43, valid=False),
    ]
    try:
        with database.transaction() as session:
            app = ensure_app(session, "default")
            other = ensure_app(session, "other")
            for scope in Scope:
                _, secret = create_key(session, app, name=scope.value, scopes=[scope.value])
                found.append(Caller(f"key {scope.value}", secret, scopes=(scope,)))
            _, secret = create_key(session, other, name="other", scopes=[Scope.ADMIN.value])
            found.append(Caller("admin key of another app", secret, scopes=(Scope.ADMIN,)))
            revoked, secret = create_key(session, app, name="old", scopes=[Scope.ADMIN.value])
            revoked.revoked_at = datetime.now(UTC)
            found.append(Caller("revoked admin key", secret, valid=False))
            expired, secret = create_key(session, app, name="gone", scopes=[Scope.ADMIN.value])
            expired.expires_at = datetime.now(UTC) - timedelta(seconds=1)
            found.append(Caller("expired admin key", secret, valid=False))
    finally:
        database.dispose()
    for role in Role:
        add_user(settings.database_url, f"{role.value}@example.com", role)
    add_user(settings.database_url, "owner@other.example.com", Role.OWNER, app="other")
    return found


@pytest.fixture
def client(settings: Settings, callers: list[Caller]) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        for email, role in [(f"{r.value}@example.com", r) for r in Role] + [
            ("owner@other.example.com", Role.OWNER)
        ]:
            signed_in = test_client.post(
                "/v1/auth/login", json={"email": email, "password": PASSWORD}
            )
            assert signed_in.status_code == 200, signed_in.text
            callers.append(Caller(f"user {email}", signed_in.json()["access_token"], role=role))
        admin = next(c for c in callers if c.name == "key admin")
        for player in (OWN_PLAYER, "max"):
            minted = test_client.post(
                f"/v1/players/{player}/token",
                headers={"Authorization": f"Bearer {admin.token}"},
            )
            assert minted.status_code == 200, minted.text
            callers.append(Caller(f"player {player}", minted.json()["token"], player=player))
        yield test_client


def test_every_route_in_the_schema_has_a_decision(client: TestClient) -> None:
    missing = [f"{m} {p}" for m, p in routes(client.app) if decision_for(m, p) is None]  # type: ignore[arg-type]
    assert missing == [], f"add these routes to auth.policy.POLICY: {missing}"


def test_no_decision_is_left_over_from_a_removed_route(client: TestClient) -> None:
    present = {f"{m} {p}" for m, p in routes(client.app)}  # type: ignore[arg-type]
    assert set(POLICY) - present == set()


def test_a_route_without_a_decision_is_refused_even_to_an_admin(
    settings: Settings, callers: list[Caller]
) -> None:
    app = create_app(settings)

    @app.get("/v1/undecided")
    def undecided() -> dict[str, str]:
        return {"secret": "data"}

    admin = next(c for c in callers if c.name == "key admin")
    with TestClient(app, raise_server_exceptions=False) as test_client:
        assert ("GET", "/v1/undecided") in routes(app)
        response = test_client.get(
            "/v1/undecided", headers={"Authorization": f"Bearer {admin.token}"}
        )
    assert response.status_code == 403
    assert "no access decision" in response.json()["detail"]


def test_every_caller_gets_exactly_what_the_policy_grants(
    client: TestClient, callers: list[Caller]
) -> None:
    wrong: list[str] = []
    for method, path in routes(client.app):  # type: ignore[arg-type]
        access = decision_for(method, path)
        assert access is not None
        for caller in callers:
            headers = {"Authorization": f"Bearer {caller.token}"} if caller.token else {}
            response = client.request(method, concrete(path), headers=headers)
            assert response.status_code < 500, f"{method} {path} as {caller.name}: {response.text}"
            allowed = response.status_code not in (401, 403)
            if allowed != expected_allowed(access, caller):
                wrong.append(f"{method} {path} as {caller.name}: {response.status_code}")
            if not allowed:
                assert response.headers["content-type"] == "application/problem+json"
                if caller.token is None or not caller.valid:
                    assert response.status_code == 401, f"{method} {path} as {caller.name}"
    assert wrong == []


def test_a_player_token_reads_its_own_player_and_nothing_else() -> None:
    own = Caller("p", "t", player=OWN_PLAYER)
    other = Caller("p", "t", player="max")
    for route in ("GET /v1/players/{player_id}", "GET /v1/players/{player_id}/ledger"):
        access = decision_for(*route.split(" ", 1))
        assert access is not None
        assert expected_allowed(access, own)
        assert not expected_allowed(access, other)
    for route in ("GET /v1/events/{event_id}", "GET /v1/config", "GET /v1/items"):
        access = decision_for(*route.split(" ", 1))
        assert access is not None
        assert not expected_allowed(access, own)


def test_a_player_token_reads_boards_and_league_groups_of_every_player() -> None:
    for player in (OWN_PLAYER, "max"):
        caller = Caller("p", "t", player=player)
        for route in (
            "GET /v1/leaderboards/{key}",
            "GET /v1/leaderboards/{key}/runs",
            "GET /v1/leaderboards/{key}/runs/{run}",
            "GET /v1/leagues/{tier}/groups/{group_id}",
        ):
            access = decision_for(*route.split(" ", 1))
            assert access is not None
            assert expected_allowed(access, caller), route


@pytest.mark.parametrize(
    ("grant", "route", "allowed"),
    [
        (Scope.PLAYERS_READ, "POST /v1/events", False),
        (Scope.PLAYERS_READ, "GET /v1/players/{player_id}", True),
        (Scope.EVENTS_WRITE, "GET /v1/players/{player_id}", False),
        (Scope.EVENTS_WRITE, "PUT /v1/config", False),
        (Scope.CONFIG_WRITE, "PUT /v1/config", True),
        (Scope.CONFIG_WRITE, "POST /v1/events", False),
        (Scope.PLAYERS_READ, "POST /v1/config/validate", False),
        (Scope.EVENTS_WRITE, "POST /v1/config/validate", False),
        (Scope.CONFIG_WRITE, "POST /v1/config/validate", True),
        (Scope.ADMIN, "PUT /v1/config", True),
        (Scope.ADMIN, "POST /v1/apps", False),
        (Scope.ADMIN, "PUT /v1/users/{email}", False),
        (Role.VIEWER, "GET /v1/players/{player_id}", True),
        (Role.VIEWER, "PUT /v1/config", False),
        (Role.VIEWER, "GET /v1/audit", False),
        (Role.EDITOR, "PUT /v1/config", True),
        (Role.VIEWER, "POST /v1/config/validate", False),
        (Role.EDITOR, "POST /v1/config/validate", True),
        (Role.EDITOR, "POST /v1/keys", False),
        (Role.ADMIN, "POST /v1/keys", True),
        (Role.ADMIN, "GET /v1/audit", True),
        (Role.ADMIN, "PUT /v1/users/{email}", False),
        (Role.OWNER, "PUT /v1/users/{email}", True),
        (Role.OWNER, "POST /v1/apps", True),
    ],
)
def test_the_decisions_a_reader_would_expect(
    grant: Scope | Role, route: str, allowed: bool
) -> None:
    method, path = route.split(" ", 1)
    access = decision_for(method, path)
    assert access is not None
    caller = (
        Caller("k", "t", scopes=(grant,))
        if isinstance(grant, Scope)
        else Caller("u", "t", role=grant)
    )
    assert expected_allowed(access, caller) is allowed


def test_a_player_page_opens_with_a_player_token_only() -> None:
    access = decision_for("GET", "/play")
    assert access is not None
    assert access.page
    for player in (OWN_PLAYER, "max"):
        assert expected_allowed(access, Caller("p", "t", player=player))
    assert not expected_allowed(access, Caller("k", "t", scopes=(Scope.ADMIN,)))
    assert not expected_allowed(access, Caller("u", "t", role=Role.OWNER))


def test_the_security_page_lists_every_decision() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    missing = [route for route in POLICY if f"| `{route}` |" not in page]
    assert missing == [], f"docs/security.md lacks {missing}"
