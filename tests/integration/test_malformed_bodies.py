"""Bodies that cannot be read as what they claim to be are a 400 `malformed_body` that says
why and where — whatever parser found out — and nothing is stored."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.conftest import Api

JSON = {"Content-Type": "application/json"}
YAML = {"Content-Type": "application/yaml"}


def _malformed(response: Any) -> str:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "malformed_body"
    assert body["request_id"] == response.headers["x-request-id"]
    return str(body["detail"])


def test_an_event_body_that_is_not_utf8_is_malformed(api: Api) -> None:
    for params in ({}, {"wait": "true"}):
        body = b'{"type": "did", "player": "zo\xffe"}'
        detail = _malformed(api.post("/v1/events", params=params, content=body, headers=JSON))
        assert "not UTF-8" in detail
    detail = _malformed(
        api.post("/v1/events/batch", content=b'{"events": [{"\xc3(": 1}]}', headers=JSON)
    )
    assert "not UTF-8" in detail


def test_an_event_body_nested_thousands_deep_is_malformed_not_a_crash(api: Api) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    for path in ("/v1/events", "/v1/events/batch"):
        body = f'{{"type": "did", "player": "zoe", "properties": {{"a": {deep}}}}}'
        detail = _malformed(api.post(path, content=body.encode(), headers=JSON))
        assert "nested too deeply" in detail
    api.get("/v1/players/zoe", expect=404)


def test_a_design_nested_thousands_deep_is_refused_at_its_line_and_column(api: Api) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    as_json = api.request(
        "PUT", "/v1/config", content=f'{{"currencies": {{}},\n "x": {deep}}}'.encode(), headers=JSON
    )
    assert _malformed(as_json) == (
        "the body is not valid JSON: more than 32 levels of nesting at line 2, column 38"
    )
    as_yaml = api.request(
        "PUT", "/v1/config", content=f"currencies: {{}}\nx: {deep}\n".encode(), headers=YAML
    )
    assert _malformed(as_yaml) == (
        "the body is not valid YAML: more than 32 levels of nesting at line 2, column 35"
    )
    block = "".join(f"{' ' * level}- \n" for level in range(200))
    assert "levels of nesting at line 33" in _malformed(
        api.post("/v1/config/validate", content=block.encode(), headers=YAML)
    )
    api.get("/v1/config", expect=404)


def test_a_json_design_with_a_key_given_twice_is_refused_as_yaml_is(api: Api) -> None:
    text = '{"currencies": {"xp": {}, "gems": {}},\n "currencies": {"xp": {}}}'
    for method, path in (("PUT", "/v1/config"), ("POST", "/v1/config/validate")):
        detail = _malformed(api.request(method, path, content=text.encode(), headers=JSON))
        assert (
            detail == 'the body is not valid JSON: duplicate key "currencies" at line 2, column 2'
        )
    api.get("/v1/config", expect=404)
    # The same name in two different objects is two keys.
    design = {"currencies": {"xp": {"name": "XP"}}, "rules": [{"id": "xp", "on": "did"}]}
    api.request("PUT", "/v1/config", content=json.dumps(design).encode(), headers=JSON)
