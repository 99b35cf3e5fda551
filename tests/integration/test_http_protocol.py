"""What a real server does with the connection when a request goes wrong: bad input and
unexpected errors are answered and the connection kept; a client that leaves mid-body is
a client abort, not a server error; a body that stalls is cut off."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from questline.api.app import create_app
from questline.auth.policy import POLICY, PUBLIC
from tests.conftest import ADMIN_KEY
from tests.integration.conftest import make_settings
from tests.support.migrated import migrated_sqlite
from tests.support.processes import QuestlineProcess, free_port, start_api, wait_for
from tests.support.raw_http import Connection

AUTH = {"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "application/json"}
BODY_TIMEOUT_SECONDS = 1


@dataclass
class Served:
    process: QuestlineProcess
    port: int

    def log_since(self, mark: int) -> str:
        return self.process.log_text()[mark:]

    def http_counts(self) -> dict[str, float]:
        """Requests answered so far, by status."""
        text = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=10).text
        counts: dict[str, float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "questline_http_request_seconds_count":
                    status = sample.labels["status"]
                    counts[status] = counts.get(status, 0.0) + sample.value
        return counts


def _sqlite(folder: Path) -> str:
    return migrated_sqlite(folder / "questline.db")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`questline serve` as an operator runs it, embedded, on a file of its own."""
    workdir = tmp_path_factory.mktemp("protocol")
    env = {
        **os.environ,
        "QUESTLINE_DATABASE_URL": _sqlite(workdir),
        "QUESTLINE_BOOTSTRAP_KEY": ADMIN_KEY,
        "QUESTLINE_LOG_LEVEL": "info",
        "QUESTLINE_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT_SECONDS),
    }
    for name in ("QUESTLINE_REDIS_URL", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    port = free_port()
    process = start_api(env, workdir, "api", port)
    try:
        yield Served(process, port)
    finally:
        process.stop()


def test_bad_input_that_used_to_crash_is_answered_on_a_connection_that_stays_open(
    served: Served,
) -> None:
    deep = b"[" * 10_000 + b"]" * 10_000
    event = b'{"type": "did", "player": "p"'
    with Connection(served.port) as connection:
        for method, path, body, status in [
            ("POST", "/v1/events", event + b', "time": "0001-01-01T00:00:00+14:00"}', 422),
            ("POST", "/v1/events", event + b', "time": 0}', 422),
            ("POST", "/v1/events", b'{"type": "did", "player": "\\u202eada"}', 422),
            ("POST", "/v1/events", event + b', "properties": ' + deep + b"}", 400),
            ("POST", "/v1/events", b'{"type": "did", "player": "\xff"}', 400),
            ("PUT", "/v1/config", b'{"x": ' + deep + b"}", 400),
            ("POST", "/v1/events", event + b"}", 202),
        ]:
            answer = connection.request(method, path, body, AUTH)
            assert answer.status == status, answer.body
            assert answer.headers["x-request-id"]
            assert answer.headers.get("connection") != "close"


def test_a_client_that_leaves_mid_body_is_counted_as_a_client_abort(served: Served) -> None:
    mark = len(served.process.log_text())
    before = served.http_counts()
    for path in ("/v1/events", "/v1/items"):
        with Connection(served.port) as connection:
            connection.send_head("POST", path, AUTH, content_length=500)
            connection.sock.sendall(b'{"type')

    def both_recorded() -> bool:
        return served.log_since(mark).count('"status":499') == 2

    wait_for(both_recorded, timeout=10, what="two client aborts in the access log")
    log = served.log_since(mark)
    assert '"exception"' not in log  # no traceback
    assert "Exception in ASGI application" not in log
    after = served.http_counts()
    assert after.get("499", 0) - before.get("499", 0) == 2
    assert after.get("500", 0) == before.get("500", 0)


def test_a_stalled_upload_gets_408_and_its_connection_is_closed(served: Served) -> None:
    with Connection(served.port) as connection:
        connection.send_head("POST", "/v1/items", AUTH, content_length=500)
        connection.sock.sendall(b'{"key"')
        answer = connection.answer()
        assert answer.status == 408
        assert answer.json()["code"] == "request_timeout"
        assert answer.json()["request_id"] == answer.headers["x-request-id"]
        assert answer.headers["connection"] == "close"
        assert connection.closed_by_server()


def test_stalled_uploads_are_cut_off_one_by_one_while_others_are_served(served: Served) -> None:
    stalled = [Connection(served.port) for _ in range(3)]
    try:
        for connection in stalled:
            connection.send_head("POST", "/v1/items", AUTH, content_length=500)
            connection.sock.sendall(b"{")
            with Connection(served.port) as other:
                assert other.request("GET", "/health").status == 200
        assert [connection.answer().status for connection in stalled] == [408, 408, 408]
    finally:
        for connection in stalled:
            connection.sock.close()


def test_an_upload_that_trickles_in_is_cut_off_too(served: Served) -> None:
    with Connection(served.port) as connection:
        connection.send_head("POST", "/v1/items", AUTH, content_length=500)
        stop = threading.Event()

        def trickle() -> None:
            # A byte every tenth of a second keeps every read busy but never finishes.
            while not stop.is_set():
                try:
                    connection.sock.sendall(b" ")
                except OSError:
                    return
                stop.wait(0.1)

        sender = threading.Thread(target=trickle)
        sender.start()
        try:
            assert connection.answer().status == 408
        finally:
            stop.set()
            sender.join()


@pytest.fixture
def broken_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A real uvicorn serving the app in this process, with one route that fails the way
    a bug would (a separate `questline serve` offers no way to plant one)."""
    monkeypatch.setitem(POLICY, "GET /v1/broken", PUBLIC)
    app: FastAPI = create_app(make_settings(_sqlite(tmp_path)))

    @app.get("/v1/broken")
    def broken() -> None:
        raise RuntimeError("the disk is on fire")

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, timeout=30, what="uvicorn")
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_an_unexpected_error_is_a_500_problem_logged_once_on_a_connection_that_stays_open(
    broken_server: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with Connection(broken_server) as connection:
        failed = connection.request("GET", "/v1/broken", headers={"X-Request-ID": "trace-9"})
        assert failed.status == 500
        assert failed.headers["content-type"] == "application/problem+json"
        assert failed.headers["x-request-id"] == "trace-9"
        assert failed.json()["code"] == "internal_error"
        assert failed.json()["request_id"] == "trace-9"
        assert "fire" not in failed.body.decode()
        assert connection.request("GET", "/health").status == 200
    time.sleep(0.1)  # let the server's last lines reach the log
    tracebacks = [record for record in caplog.records if record.exc_info]
    assert len(tracebacks) == 1, [record.getMessage() for record in tracebacks]
    assert getattr(tracebacks[0], "request_id", None) == "trace-9"
