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


def test_a_backslash_followed_by_u0000_is_text_and_is_kept_as_sent(api: Api) -> None:
    # JSON "\\u0000" decodes to the six characters \u0000: no NUL anywhere.
    text = "C:\\u0000\\data"
    for params in ({}, {"wait": "true"}):
        event = {"id": f"e{len(params)}", "type": "did", "player": "zoe", "properties": {"p": text}}
        api.post("/v1/events", params=params, json=event, expect=202)
        assert api.get(f"/v1/events/e{len(params)}", expect=200).json()["properties"] == {"p": text}
    design = {"name": text, "currencies": {"xp": {"name": "\\u0000"}}}
    published = api.request("PUT", "/v1/config", json=design, expect=201).json()
    assert published["document"]["name"] == text


def test_a_decoded_nul_in_a_yaml_design_is_a_422_that_says_where(api: Api) -> None:
    for written in ['"a\\0b"', '"a\\x00b"', '"a\\u0000b"', '"a\\U00000000b"']:
        response = api.request(
            "PUT",
            "/v1/config",
            content=f"currencies:\n  xp: {{name: {written}}}\n".encode(),
            headers={"Content-Type": "application/yaml"},
        )
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["code"] == "invalid_input"
        assert "NUL" in body["detail"]
        assert body["errors"][0]["loc"] == ["currencies", "xp", "name"]
    api.get("/v1/config", expect=404)


def test_a_decoded_nul_in_json_says_where_it_is(api: Api) -> None:
    response = api.post(
        "/v1/events", json={"type": "did", "player": "zoe", "properties": {"note": "a\x00b"}}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["properties", "note"]
    api.get("/v1/players/zoe", expect=404)


def test_half_a_surrogate_pair_is_a_422_and_a_whole_pair_is_a_character(api: Api) -> None:
    for params in ({}, {"wait": "true"}):
        response = api.post(
            "/v1/events",
            params=params,
            content=b'{"type": "did", "player": "zoe", "properties": {"note": "\\ud800"}}',
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"] == ["properties", "note"]
        assert response.headers["x-request-id"]
    api.get("/v1/players/zoe", expect=404)
    fox = b'{"id": "fox", "type": "did", "player": "zoe", "properties": {"n": "\\ud83e\\udd8a"}}'
    api.post("/v1/events", content=fox, headers={"Content-Type": "application/json"}, expect=202)
    assert api.get("/v1/events/fox", expect=200).json()["properties"] == {"n": "🦊"}
