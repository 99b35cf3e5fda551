"""Request fields mean what the schema says they are: a boolean is `true` or `false` and a
whole number is one (neither `0` for false nor `"5"` for 5, which a lax parser would take),
and an empty `cursor=` is no cursor."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Api

DESIGN = """
currencies: {xp: {}}
rules: [{id: r, on: did, award: {xp: "1"}}]
leaderboards:
  top: {rank_by: currency.xp}
"""

COERCIBLE: list[tuple[str, str, dict[str, Any], str]] = [
    ("POST", "/v1/items", {"key": "squat", "kind": "exercise", "active": 0}, "active"),
    ("PATCH", "/v1/items/squat", {"active": "true"}, "active"),
    ("PUT", "/v1/players/ada/leaderboards", {"hidden": 1}, "hidden"),
    ("POST", "/v1/config/rollback", {"version": "1"}, "version"),
    ("POST", "/v1/players/ada/grants", {"currency": "xp", "amount": 5.0, "reason": "r"}, "amount"),
    ("POST", "/v1/players/ada/streaks/daily/freezes", {"count": "2"}, "count"),
    ("POST", "/v1/players/ada/token", {"minutes": "5"}, "minutes"),
    ("POST", "/v1/players/ada/purchases", {"offer": "hint", "quantity": "2"}, "quantity"),
    ("POST", "/v1/players/ada/inventory/hint/use", {"quantity": 1.0}, "quantity"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), COERCIBLE)
def test_a_value_of_another_type_is_refused_not_converted(
    api: Api, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    response = api.request(method, path, json=body)
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["errors"]] == [[field]]


def test_booleans_and_numbers_of_the_right_type_are_taken(api: Api) -> None:
    created = api.post("/v1/items", json={"key": "squat", "kind": "exercise", "active": False})
    assert created.status_code == 201, created.text
    assert created.json()["active"] is False
    changed = api.request("PATCH", "/v1/items/squat", json={"active": True}, expect=200)
    assert changed.json()["active"] is True


def test_an_empty_cursor_asks_for_the_first_page(api: Api) -> None:
    api.publish(DESIGN)
    api.event("ada", "did")
    api.post("/v1/items", json={"key": "squat", "kind": "exercise"}, expect=201)
    for path in (
        "/v1/items",
        "/v1/keys",
        "/v1/audit",
        "/v1/config/versions",
        "/v1/players/ada/ledger",
        "/v1/players/ada/purchases",
        "/v1/leaderboards/top",
        "/v1/leaderboards/top/runs",
    ):
        first = api.get(path, expect=200).json()
        assert api.get(path, params={"cursor": ""}, expect=200).json() == first, path
    ranked = api.get("/v1/leaderboards/top", params={"cursor": "", "players": "ada"})
    assert ranked.status_code == 200, ranked.text
