"""Structured logs: one JSON object per line, each with the request id of its request."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from questline.api.app import create_app
from questline.auth.policy import POLICY, PUBLIC
from questline.logs import configure_logging
from questline.settings import Settings


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    configure_logging("info", "json", stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


def parsed(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_every_request_is_logged_as_json_with_its_id_and_caller(
    settings: Settings, log_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(POLICY, "GET /v1/broken", PUBLIC)
    app = create_app(settings)

    @app.get("/v1/broken")
    def broken() -> None:
        raise RuntimeError("the disk is on fire")

    with TestClient(app, raise_server_exceptions=False) as client:
        headers = {"Authorization": "Bearer " + settings.bootstrap_key.get_secret_value()}  # type: ignore[union-attr]
        client.get("/v1/config/versions", headers={**headers, "X-Request-ID": "trace-7"})
        failed = client.get("/v1/broken", headers={"X-Request-ID": "trace-8"})
        assert failed.status_code == 500
        assert "fire" not in failed.text  # the details go to the log, not to the client
    lines = parsed(log_lines)
    access = [line for line in lines if line["logger"] == "questline.access"]
    first = next(line for line in access if line.get("request_id") == "trace-7")
    assert first["method"] == "GET"
    assert first["path"] == "/v1/config/versions"
    assert first["status"] == 200
    assert first["actor"] == "key:bootstrap"
    assert first["duration_ms"] >= 0
    crash = next(line for line in lines if "exception" in line)
    assert crash["request_id"] == "trace-8"
    assert "the disk is on fire" in crash["exception"]
    assert crash["level"] == "error"
