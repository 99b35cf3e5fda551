"""Designs sent to the server are bounded before the work they cost, and that work is done
off the event loop, within the request time limit."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import questline.api.config
import questline.services.designs
from questline import design_limits
from questline.api.app import create_app
from questline.settings import Settings
from questline.yamlfile import load_yaml
from tests.integration.conftest import BLUEPRINTS, Api, make_settings
from tests.support.loop_guard import watch_test_client
from tests.support.processes import wait_for

YAML = {"Content-Type": "application/yaml"}


def level_table(levels: int) -> str:
    """A design whose one currency has a level table of `levels` thresholds."""
    thresholds = ", ".join(str(7 * n) for n in range(levels))
    return f"currencies: {{xp: {{levels: {{thresholds: [{thresholds}]}}}}}}\n"


def validate(api: Api, text: str, headers: dict[str, str] = YAML) -> Any:
    return api.post("/v1/config/validate", content=text.encode(), headers=headers)


def test_every_blueprint_is_well_within_the_limits(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `<name>.yaml` is a design; `<name>.seed.yaml`, `<name>.course.yaml` … go with it.
    designs = [path for path in BLUEPRINTS.glob("*.yaml") if "." not in path.stem]
    assert designs
    for path in designs:
        text = path.read_text(encoding="utf-8")
        assert validate(api, text).status_code == 200, path.name
        # They would pass limits twenty times as tight.
        assert len(text.encode()) * 20 < design_limits.MAX_BYTES, path.name
        with monkeypatch.context() as tighter:
            tighter.setattr(design_limits, "MAX_VALUES", design_limits.MAX_VALUES // 20)
            design_limits.check_yaml_values(text)
            design_limits.check_values(load_yaml(text))


def test_the_megabyte_level_table_is_refused_before_it_is_parsed(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def parse(*_: object) -> None:
        raise AssertionError("the design was parsed")

    monkeypatch.setattr(questline.api.config, "load_yaml", parse)
    table = level_table(143_882)  # the 1 MB document that took 12 s on the event loop
    response = validate(api, table)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"

    under_the_byte_limit = level_table(30_000)
    assert len(under_the_byte_limit) < design_limits.MAX_BYTES
    response = validate(api, under_the_byte_limit)
    assert response.status_code == 413
    problem = response.json()
    assert "at most 20,000 values" in problem["detail"]
    assert problem["errors"][0]["loc"] == ["currencies", "xp", "levels", "thresholds", 19_991]


def test_a_json_design_with_too_many_values_is_refused_with_where(api: Api) -> None:
    document = {"currencies": {"xp": {"levels": {"thresholds": list(range(0, 210_000, 7))}}}}
    for path, method in (("/v1/config/validate", "POST"), ("/v1/config", "PUT")):
        response = api.request(
            method, path, content=json.dumps(document), headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413, response.text
        assert response.json()["errors"][0]["loc"][:4] == [
            "currencies",
            "xp",
            "levels",
            "thresholds",
        ]
    assert api.get("/v1/config").status_code == 404  # nothing was published


def test_a_design_just_within_the_limits_is_checked_as_any_other(api: Api) -> None:
    # 9 values around the table: 19,991 thresholds make exactly 20,000.
    assert validate(api, level_table(19_991)).status_code == 200
    assert validate(api, level_table(19_992)).status_code == 413


def test_validating_needs_the_permission_publishing_does(api: Api) -> None:
    design = (BLUEPRINTS / "skillquest.yaml").read_text(encoding="utf-8")
    for scope, status in (("players:read", 403), ("events:write", 403), ("config:write", 200)):
        key = api.post("/v1/keys", json={"name": scope, "scopes": [scope]}, expect=201).json()
        headers = {**YAML, "Authorization": f"Bearer {key['secret']}"}
        assert validate(api, design, headers).status_code == status, scope


@pytest.fixture
def slow_compiles(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Compiling a design waits until the event is set (then compiles as usual)."""
    released = threading.Event()
    compile_design: Callable[..., Any] = questline.services.designs.compile_design

    def slow(*args: Any, **kwargs: Any) -> Any:
        released.wait(60)
        return compile_design(*args, **kwargs)

    monkeypatch.setattr(questline.services.designs, "compile_design", slow)
    yield released
    released.set()


def test_a_compile_past_the_time_limit_answers_503_and_the_server_keeps_serving(
    database_url: str, slow_compiles: threading.Event
) -> None:
    settings: Settings = make_settings(database_url, request_timeout_seconds=1)
    design = (BLUEPRINTS / "skillquest.yaml").read_text(encoding="utf-8")
    with TestClient(create_app(settings)) as client, watch_test_client(client):
        api = Api(client)
        for method, path in (("POST", "/v1/config/validate"), ("PUT", "/v1/config")):
            response = api.request(method, path, content=design.encode(), headers=YAML)
            assert response.status_code == 503, response.text
            assert response.json()["code"] == "timeout"
            assert api.get("/health").status_code == 200  # while the compile goes on
        slow_compiles.set()
        assert validate(api, design).status_code == 200
        # The publish answered 503 still completes, as the answer said it might.
        wait_for(lambda: api.get("/v1/config").status_code == 200, timeout=30, what="it")


def test_a_large_design_is_checked_off_the_event_loop(api: Api, client: TestClient) -> None:
    design = level_table(5_000)  # parsing it takes far longer than the 100 ms allowed
    with watch_test_client(client):
        assert validate(api, design).status_code == 200
        assert api.get("/health").status_code == 200
        api.request("PUT", "/v1/config", content=design.encode(), headers=YAML, expect=201)
