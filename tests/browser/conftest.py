"""Browser tests: one Questline server (in a thread of this process, on loopback) and one
headless Chromium (Debian's, installed by scripts/install-system-deps.sh) for the whole
session; each test gets its own page. Screenshots go to the run's screenshots folder."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import BrowserContext

from questline.api.app import create_app
from tests.conftest import ADMIN_KEY
from tests.integration.conftest import make_settings
from tests.support.migrated import migrated_sqlite
from tests.support.processes import free_port

CHROMIUM = os.environ.get("QUESTLINE_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("QUESTLINE_TEST_SCREENSHOTS", "var/screenshots"))
# The language blueprint: XP with levels, gems, a streak, badges, quests, a weekly XP
# leaderboard, a league, a shop and the learning module.
DESIGN = (Path(__file__).parents[2] / "blueprints" / "language.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-system-deps.sh --browser")
    # Root in a container has no user namespace for Chromium's sandbox.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ["--no-sandbox"]}


@dataclass
class Server:
    url: str
    http: httpx.Client  # as the host app's backend: the admin key
    database_url: str  # for what only an operator sets up (console users)

    def token(self, player: str) -> str:
        minted = self.http.post(f"/v1/players/{player}/token", json={"minutes": 60})
        assert minted.status_code == 200, minted.text
        token: str = minted.json()["token"]
        return token

    def event(
        self,
        player: str,
        kind: str,
        key: str,
        profile: dict[str, str] | None = None,
        **properties: Any,
    ) -> None:
        """Send an event as the host app's backend does (with the player's `profile`, if
        given: name, avatar_url, locale…), and wait until it is processed."""
        body: dict[str, Any] = {"id": key, "player": player, "type": kind, "properties": properties}
        if profile is not None:
            body["profile"] = profile
        sent = self.http.post("/v1/events", json=body)
        assert sent.status_code in (200, 201, 202), sent.text
        deadline = time.monotonic() + 30
        while self.http.get(f"/v1/events/{key}").json()["status"] == "pending":
            assert time.monotonic() < deadline, f"event {key} was not processed"
            time.sleep(0.02)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    url = migrated_sqlite(tmp_path_factory.mktemp("browser-db") / "questline.db")
    settings = make_settings(url, notification_stream_seconds=300)
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", ws="none"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    try:
        published = http.put(
            "/v1/config",
            content=DESIGN,
            headers={"Content-Type": "application/yaml"},
        )
        assert published.status_code in (200, 201), published.text
        yield Server(base, http, url)
    finally:
        http.close()
        running.should_exit = True
        thread.join(timeout=30)


# Players' avatars, as a host app keeps them on a server of its own (https, another
# origin). No test reaches the network: every context that shows them answers for that
# server with `serve_avatars`.
AVATARS = "https://avatars.example.com"
_AVATAR = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    '<rect width="64" height="64" fill="#0f766e"/><circle cx="32" cy="25" r="12" fill="#ccfbf1"/>'
    '<path d="M10 64c2-14 12-21 22-21s20 7 22 21z" fill="#ccfbf1"/></svg>'
)


def serve_avatars(context: BrowserContext) -> None:
    context.route(
        f"{AVATARS}/**",
        lambda route: route.fulfill(status=200, content_type="image/svg+xml", body=_AVATAR),
    )


@pytest.fixture(scope="session")
def screenshots() -> Path:
    # Each run writes every file anew; nothing is removed first, since test files may run
    # in several worker processes at once (pytest-xdist) and share the folder.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
