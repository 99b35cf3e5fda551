"""An API client on a fresh database, authenticated as the bootstrap admin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from questline.api.app import create_app
from questline.settings import Settings
from questline.storage.apps import DEFAULT_APP, get_app
from tests.conftest import ADMIN_KEY

BLUEPRINTS = Path(__file__).resolve().parents[2] / "blueprints"
JWT_SECRET = "test-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz"


class Api:
    """A thin helper over TestClient that speaks the admin key and checks statuses."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {ADMIN_KEY}"}

    def request(self, method: str, path: str, *, expect: int | None = None, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response = self.client.request(method, path, headers=headers, **kwargs)
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def publish(self, yaml_text: str) -> dict[str, Any]:
        response = self.request(
            "PUT",
            "/v1/config",
            content=yaml_text.encode(),
            headers={"Content-Type": "application/yaml"},
            expect=201,
        )
        return dict(response.json())

    def publish_blueprint(self, name: str) -> dict[str, Any]:
        return self.publish((BLUEPRINTS / f"{name}.yaml").read_text(encoding="utf-8"))

    def item(self, key: str, kind: str, **attributes: Any) -> None:
        self.post(
            "/v1/items", json={"key": key, "kind": kind, "attributes": attributes}, expect=201
        )

    def event(
        self, player: str, type_: str, *, item: str | None = None, **properties: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"type": type_, "player": player, "properties": properties}
        if item is not None:
            body["item"] = item
        response = self.post("/v1/events", params={"wait": "true"}, json=body, expect=202)
        return dict(response.json())

    def player(self, player: str) -> dict[str, Any]:
        return dict(self.get(f"/v1/players/{player}", expect=200).json())


def default_app_id(context: Any) -> int:
    """The id of the default app, from a server's context (`app.state.questline`)."""
    with context.database.reader() as session:
        app = get_app(session, DEFAULT_APP)
        assert app is not None
        return int(app.id)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "bootstrap_key": ADMIN_KEY,
        "jwt_secret": JWT_SECRET,
        "sqlite_synchronous": "NORMAL",
        "worker_poll_seconds": 0.05,
        # Tests that archive runs or roll leagues over call the jobs at times they choose.
        "embedded_jobs": False,
        "backfill_after_publish": False,
        # The test client reads a response to its end: live streams end quickly.
        "notification_stream_seconds": 0.5,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)
