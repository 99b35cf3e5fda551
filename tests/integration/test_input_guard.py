"""Text with NUL characters is refused the same clear way on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.integration.conftest import Api


def test_a_nul_anywhere_in_the_request_is_a_422_and_nothing_is_written(api: Api) -> None:
    in_body = api.post(
        "/v1/events",
        content=b'{"type": "did", "player": "zo\\u0000e"}',
        headers={"Content-Type": "application/json"},
    )
    assert in_body.status_code == 422
    assert "NUL" in in_body.json()["detail"]
    assert in_body.json()["request_id"] == in_body.headers["x-request-id"]
    assert api.get("/v1/players/zo%00e").status_code == 422
    assert api.get("/v1/items", params={"kind": "a\x00b"}).status_code == 422
    assert api.get("/v1/players/zoe").status_code == 404


def test_a_nul_in_a_yaml_design_is_refused_not_a_crash(api: Api) -> None:
    response = api.request(
        "PUT",
        "/v1/config",
        content=b'currencies: {xp: {}}\ncomment_field: "a\\0b"\n',
        headers={"Content-Type": "application/yaml"},
    )
    assert 400 <= response.status_code < 500, response.text
