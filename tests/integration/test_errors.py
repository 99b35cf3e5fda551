"""Bad input gets a clear problem-details answer, loses nothing, and the server keeps serving."""

from __future__ import annotations

from tests.integration.conftest import Api

PROBLEM = "application/problem+json"
DESIGN = """
currencies: {xp: {}}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
"""


def _problem(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == PROBLEM  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:questline:problem:{code}"
    assert body["title"]
    assert body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]  # type: ignore[attr-defined]
    return dict(body)


def test_malformed_json_is_a_400_that_says_so(api: Api) -> None:
    response = api.post(
        "/v1/events",
        content=b'{"type": "did", "player": ',
        headers={"Content-Type": "application/json"},
    )
    body = _problem(response, 400, "malformed_body")
    assert "not valid JSON" in str(body["detail"])


def test_wrong_types_and_unknown_fields_name_their_location(api: Api) -> None:
    response = api.post("/v1/events", json={"type": "did", "player": 12, "colour": "red"})
    body = _problem(response, 422, "invalid_input")
    locations = {tuple(error["loc"]) for error in body["errors"]}  # type: ignore[union-attr]
    assert ("player",) in locations
    assert ("colour",) in locations


def test_a_body_over_one_mebibyte_is_refused_with_413(api: Api) -> None:
    response = api.post(
        "/v1/events",
        content=b"{" + b" " * (1024 * 1024) + b"}",
        headers={"Content-Type": "application/json"},
    )
    _problem(response, 413, "payload_too_large")
    assert api.get("/health").status_code == 200


def test_a_bad_expression_is_a_422_with_path_and_position_and_nothing_is_published(
    api: Api,
) -> None:
    api.publish(DESIGN)
    response = api.request(
        "PUT",
        "/v1/config",
        content=b"currencies: {xp: {}}\nrules: [{id: r, on: did, award: {xp: 'event.n * * 2'}}]\n",
        headers={"Content-Type": "application/yaml"},
    )
    body = _problem(response, 422, "invalid_design")
    [error] = body["errors"]  # type: ignore[misc]
    assert error["loc"] == ["rules", 0, "award", "xp"]
    assert isinstance(error["position"], int)
    assert api.get("/v1/config", expect=200).json()["version"] == 1


def test_an_unknown_item_is_a_422_and_stores_no_event(api: Api) -> None:
    api.publish(DESIGN)
    response = api.post(
        "/v1/events", json={"id": "e1", "type": "did", "player": "p", "item": "nope"}
    )
    body = _problem(response, 422, "invalid_input")
    assert "nope" in str(body["detail"])
    _problem(api.get("/v1/events/e1"), 404, "not_found")
    _problem(api.get("/v1/players/p"), 404, "not_found")


def test_missing_and_wrong_keys_are_401_and_a_narrow_key_is_403(api: Api) -> None:
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer ql_sk_wrong"}):
        response = api.client.get("/v1/config", headers=headers)
        _problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"


def test_unknown_routes_are_problem_details_too(api: Api) -> None:
    _problem(api.get("/v1/nothing-here"), 404, "not_found")


def test_invalid_yaml_is_a_400_with_line_and_column(api: Api) -> None:
    response = api.request(
        "PUT",
        "/v1/config",
        content=b"currencies: {xp: [}\n",
        headers={"Content-Type": "application/yaml"},
    )
    body = _problem(response, 400, "malformed_body")
    assert "line 1" in str(body["detail"])


def test_yaml_aliases_are_refused(api: Api) -> None:
    bomb = b"a: &a [1, 1]\nb: &b [*a, *a]\ncurrencies: {}\n"
    _problem(
        api.request(
            "PUT", "/v1/config", content=bomb, headers={"Content-Type": "application/yaml"}
        ),
        400,
        "malformed_body",
    )


def test_a_request_id_is_echoed_or_made(api: Api) -> None:
    assert (
        api.get("/health", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    )
    assert len(api.get("/health").headers["x-request-id"]) == 32
