"""`questline serve --workers N` as the Procfile runs it: every API process writes its
own access lines and warnings, and the log stays one JSON object per line."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_KEY
from tests.integration.distributed.conftest import DESIGN
from tests.support.processes import QuestlineProcess, free_port, questline_env, wait_for
from tests.support.redis import RedisServer

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_every_api_process_logs_requests_and_warnings_as_json_lines(
    pg_url: str, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with RedisServer() as redis_server:
        env = questline_env(pg_url, redis_server.url, bootstrap_key=ADMIN_KEY)
        api = QuestlineProcess(
            ["serve", "--workers", "2", "--port", str(port)], env, tmp_path / "api.log"
        ).start()
        try:
            wait_for(lambda: _answers(url), timeout=60, what="the API processes", log=api)
            headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
            with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
                published = client.put(
                    "/v1/config", content=DESIGN, headers={"Content-Type": "application/yaml"}
                )
                assert published.status_code == 201, published.text
                event = {"type": "did", "player": "ada", "properties": {"n": 1}}
                assert client.post("/v1/events", json={**event, "id": "e1"}).status_code == 202
                # Redis goes away: the event is still stored, and the process that took it
                # warns (with the traceback) that the sweep will have to process it.
                redis_server.stop()
                assert client.post("/v1/events", json={**event, "id": "e2"}).status_code == 202
        finally:
            api.stop()
    records = [json.loads(line) for line in api.log_text().splitlines() if line.strip()]
    access = [record for record in records if record["logger"] == "questline.access"]
    assert [(r["method"], r["path"], r["status"]) for r in access if r["method"] != "GET"] == [
        ("PUT", "/v1/config", 201),
        ("POST", "/v1/events", 202),
        ("POST", "/v1/events", 202),
    ]
    # Other parts may warn of the outage too (live notifications fall back to polling);
    # the process that took the event warns once of what it could not hand on.
    [warning] = [
        r
        for r in records
        if r["level"] == "warning"
        and "exception" in r
        and "the sweep will process their events" in r["message"]
    ]
    assert "ConnectionError" in warning["exception"]
    assert warning["request_id"] == access[-1]["request_id"]
