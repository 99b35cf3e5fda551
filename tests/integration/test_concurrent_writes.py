"""Writes of every kind at once against a real server process (`questline serve`, embedded,
on SQLite and on PostgreSQL) whose event loop is watched: the loop is never blocked for more
than 100 ms, `/health` keeps answering, and every write succeeds or is refused cleanly (a
4xx or 503 problem) — never a hang, a 500 or half a change."""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import ADMIN_KEY
from tests.integration.conftest import JWT_SECRET
from tests.support.loop_guard import LoopReport
from tests.support.processes import QuestlineProcess, free_port, start_guarded_api
from tests.support.traffic import Traffic, Write

pytestmark = pytest.mark.slow

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
DESIGNS = [
    f"""
currencies: {{xp: {{}}}}
rules: [{{id: r, on: did, award: {{xp: "event.n * {factor}"}}}}]
leaderboards: {{top: {{rank_by: currency.xp, period: all}}}}
"""
    for factor in (1, 2)
]
PLAYERS = [f"p{n}" for n in range(4)]


@dataclass
class Server:
    base_url: str
    report: LoopReport

    def client(self, headers: dict[str, str] = ADMIN) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60)

    def player_token(self, player: str) -> dict[str, str]:
        with self.client() as client:
            minted = client.post(f"/v1/players/{player}/token")
        assert minted.status_code == 200, minted.text
        return {"Authorization": f"Bearer {minted.json()['token']}"}


@pytest.fixture
def server(database_url: str, tmp_path: os.PathLike[str]) -> Iterator[Server]:
    env = {
        **os.environ,
        "QUESTLINE_DATABASE_URL": database_url,
        "QUESTLINE_BOOTSTRAP_KEY": ADMIN_KEY,
        "QUESTLINE_JWT_SECRET": JWT_SECRET,
        "QUESTLINE_LOG_LEVEL": "warning",
    }
    for name in ("QUESTLINE_REDIS_URL", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    port = free_port()
    api, report = start_guarded_api(env, tmp_path, "api", port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=ADMIN) as client:
            assert publish(client, 0).status_code == 201
            for player in PLAYERS:
                event = {"type": "did", "player": player, "properties": {"n": 1}}
                sent = client.post("/v1/events", params={"wait": "true"}, json=event)
                assert sent.status_code == 202, sent.text
        yield Server(f"http://127.0.0.1:{port}", report)
    finally:
        _stop(api, report)
    report.assert_never_blocked()


def _stop(api: QuestlineProcess, report: LoopReport) -> None:
    if report.still_blocked():
        api.kill()  # a loop blocked for good does not hear SIGTERM
        return
    assert api.stop() is not None, "the server did not stop on SIGTERM"


_keys = itertools.count()


def create_item(client: httpx.Client, _n: int) -> httpx.Response:
    return client.post("/v1/items", json={"key": f"item-{next(_keys)}", "kind": "thing"})


def publish(client: httpx.Client, n: int) -> httpx.Response:
    return client.put("/v1/config", content=DESIGNS[n % 2], headers={"Content-Type": "text/yaml"})


def roll_back(client: httpx.Client, _n: int) -> httpx.Response:
    return client.post("/v1/config/rollback", json={"version": 1})


def change_settings(client: httpx.Client, n: int) -> httpx.Response:
    origins = [f"https://{n}.example"]
    settings = {"player_event_types": ["did"], "cors_origins": origins}
    return client.put("/v1/apps/default/settings", json=settings)


def hide_and_show(player: str) -> Write:
    def write(client: httpx.Client, n: int) -> httpx.Response:
        body = {"hidden": n % 2 == 0}
        return client.put(f"/v1/players/{player}/leaderboards", json=body)

    return write


def send_own_event(player: str) -> Write:
    def write(client: httpx.Client, n: int) -> httpx.Response:
        return client.post(
            "/v1/events", json={"type": "did", "player": player, "properties": {"n": n}}
        )

    return write


def test_a_design_published_while_items_are_written_leaves_the_server_answering(
    server: Server,
) -> None:
    traffic = Traffic(server.base_url, server.report)
    for n in range(3):
        traffic.loop(f"items-{n}", ADMIN, create_item, times=60)
    traffic.loop("publishes", ADMIN, publish, times=30)
    traffic.run_to_the_end()
    traffic.assert_every_write_clean()
    with server.client() as client:
        versions = client.get("/v1/config/versions", params={"limit": 500}).json()["data"]
        items = client.get("/v1/items", params={"limit": 500}).json()["data"]
    assert len(versions) == 1 + traffic.outcomes["publishes"].succeeded
    assert len(items) == sum(traffic.outcomes[f"items-{n}"].succeeded for n in range(3))


def test_a_player_hiding_from_boards_during_publishes_leaves_the_server_answering(
    server: Server,
) -> None:
    traffic = Traffic(server.base_url, server.report)
    traffic.loop("hiding", server.player_token("p0"), hide_and_show("p0"), times=60)
    traffic.loop("publishes", ADMIN, publish, times=30)
    traffic.run_to_the_end()
    traffic.assert_every_write_clean()


def test_more_writers_at_once_than_worker_threads_all_get_their_answer(server: Server) -> None:
    """Writers queued for their turn must not hold every thread the writer whose turn it
    is still needs (the server has 40)."""
    writers = 100
    start = threading.Barrier(writers)
    statuses: list[int | str] = []

    def write(n: int) -> None:
        with server.client() as client:
            start.wait()
            try:
                statuses.append(
                    client.post("/v1/items", json={"key": f"k{n}", "kind": "thing"}).status_code
                )
            except httpx.HTTPError as error:
                statuses.append(repr(error))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * writers
    server.report.assert_never_blocked()


def test_every_kind_of_write_at_once_leaves_the_server_answering_and_whole(
    server: Server,
) -> None:
    with server.client() as client:
        allowed = {"player_event_types": ["did"]}
        assert client.put("/v1/apps/default/settings", json=allowed).status_code == 200
    traffic = Traffic(server.base_url, server.report)
    traffic.loop("items", ADMIN, create_item, times=60)
    traffic.loop("publishes", ADMIN, publish, times=25)
    traffic.loop("rollbacks", ADMIN, roll_back, times=25)
    traffic.loop("settings", ADMIN, change_settings, times=25)
    for player in PLAYERS[:2]:
        token = server.player_token(player)
        traffic.loop(f"hiding-{player}", token, hide_and_show(player), times=30)
        traffic.loop(f"events-{player}", token, send_own_event(player), times=30)
    traffic.run_to_the_end()
    traffic.assert_every_write_clean()

    # Each write that succeeded committed whole, with its audit entry; no other did.
    expected = {
        "item.create": traffic.outcomes["items"].succeeded,
        "config.publish": traffic.outcomes["publishes"].succeeded + 1,
        "config.rollback": traffic.outcomes["rollbacks"].succeeded,
        "app.settings": traffic.outcomes["settings"].succeeded + 1,
    }
    with server.client() as client:
        for action, count in expected.items():
            entries = client.get("/v1/audit", params={"action": action, "limit": 500})
            assert len(entries.json()["data"]) == count, action
        versions = client.get("/v1/config/versions", params={"limit": 500}).json()["data"]
    assert len(versions) == expected["config.publish"] + expected["config.rollback"]
