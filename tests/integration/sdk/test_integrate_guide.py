"""docs/integrate.md, run: its design published, a key made with its command, and its
quickstart and FastAPI examples executed as written against a live server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from questline_client import Questline
from tests.integration.sdk.conftest import LiveServer, serve

SCOPES = ["--scope", "events:write", "--scope", "players:read"]  # as step 3 gives them
GUIDE = Path(__file__).resolve().parents[3] / "docs" / "integrate.md"


def example(name: str) -> str:
    """The fenced block after `<!-- example: name -->` in the guide."""
    found = re.search(
        rf"<!-- example: {name} -->\n```\w+\n(.*?)\n```", GUIDE.read_text(), re.DOTALL
    )
    assert found is not None, f"no example '{name}' in {GUIDE.name}"
    return found.group(1)


@pytest.fixture(scope="module")
def guide_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = serve(tmp_path_factory.mktemp("guide"), game=example("design"))
    try:
        yield server
    finally:
        server.process.kill()


@pytest.fixture
def backend_key(guide_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """A key made as step 3 says, in the environment as the examples expect."""
    made = subprocess.run(
        [sys.executable, "-m", "questline.cli", "keys", "create", "--name", "backend", *SCOPES],
        env={**os.environ, "QUESTLINE_DATABASE_URL": guide_server.database_url},
        capture_output=True,
        text=True,
        check=True,
    )
    key = made.stdout.strip()
    monkeypatch.setenv("QUESTLINE_API_KEY", key)
    monkeypatch.setenv("QUESTLINE_URL", guide_server.url)
    return key


def run(code: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "guide_example"}
    exec(compile(code, str(GUIDE), "exec"), namespace)
    return namespace


def test_the_quickstart_sends_reads_and_mints_a_token(
    guide_server: LiveServer, backend_key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    done = run(example("quickstart"))
    printed = capsys.readouterr().out
    assert "45 XP, level 1" in printed
    assert "First workout unlocked" in printed
    assert "(1, 'ada', 45)" in printed
    with Questline(done["token"].token, guide_server.url) as ada:
        assert ada.player("ada").currencies["xp"].balance == 45


def test_the_fastapi_example_serves_progress_from_questline(
    guide_server: LiveServer, backend_key: str
) -> None:
    app = run(example("fastapi"))["app"]
    with TestClient(app) as web:
        logged = web.post("/users/bea/workouts", json={"minutes": 150})
        assert logged.status_code == 200, logged.text
        assert logged.json() == {"earned_xp": 120}  # min(minutes, 120)
        assert web.get("/users/bea/progress").json() == {"xp": 120, "level": 2}
        assert web.get("/users/nobody/progress").status_code == 404
        token = web.post("/users/bea/questline-token").json()
    assert token["expires_in"] == 900
    with Questline(token["token"], guide_server.url) as bea:
        assert bea.player("bea").metrics["workouts"].all == 1
