"""Retries against a small real HTTP server on loopback that answers what a busy
Questline does — 503 with Retry-After — before it answers as usual."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from questline_client import (
    AsyncQuestline,
    Questline,
    RateLimited,
    RetryPolicy,
    TransportError,
    Unavailable,
)
from tests.support import aio
from tests.support.processes import free_port

BUSY = {
    "type": "urn:questline:problem:unavailable",
    "title": "Service unavailable",
    "status": 503,
    "detail": "the database is unreachable; retry",
    "code": "unavailable",
    "request_id": "r-1",
}


@dataclass
class Seen:
    at: float
    body: dict[str, Any]


@dataclass
class Busy:
    """Answers each request with the next of `answers` (status, headers), then 202."""

    answers: list[tuple[int, dict[str, str]]]
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        busy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                busy.seen.append(Seen(time.monotonic(), body))
                status, headers = busy.answers.pop(0) if busy.answers else (202, {})
                if status == 202:
                    payload = {
                        "id": body.get("id", "none"),
                        "status": "pending",
                        "duplicate": False,
                        "received_at": "2026-11-23T18:02:11Z",
                    }
                    kind = "application/json"
                else:
                    payload = {**BUSY, "status": status}
                    kind = "application/problem+json"
                data = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in {**headers, "content-type": kind}.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def busy() -> Iterator[Busy]:
    server = Busy([])
    try:
        yield server
    finally:
        server.close()


def test_a_503_with_retry_after_is_retried_after_that_long_with_the_same_key(
    busy: Busy,
) -> None:
    busy.answers = [(503, {"Retry-After": "1"})]
    with Questline("ql_sk_any", busy.url) as questline:
        accepted = questline.send("did", "ada")
    first, second = busy.seen
    assert accepted.status == "pending"
    assert first.body["id"] == second.body["id"] == accepted.id
    assert second.at - first.at >= 1.0  # waited at least what the server asked


def test_the_async_client_retries_the_same_way(busy: Busy) -> None:
    busy.answers = [(503, {"Retry-After": "1"}), (429, {"Retry-After": "0"})]

    async def send() -> str:
        async with AsyncQuestline("ql_sk_any", busy.url) as questline:
            return (await questline.send("did", "ada", id="a-1")).id

    assert aio.run(send()) == "a-1"
    assert [s.body["id"] for s in busy.seen] == ["a-1"] * 3
    assert busy.seen[1].at - busy.seen[0].at >= 1.0


def test_when_retries_run_out_the_error_carries_the_problem(busy: Busy) -> None:
    busy.answers = [(503, {"Retry-After": "0"})] * 3
    with (
        Questline("ql_sk_any", busy.url, retry=RetryPolicy(attempts=3)) as questline,
        pytest.raises(Unavailable) as error,
    ):
        questline.send("did", "ada")
    assert len(busy.seen) == 3
    assert (error.value.status, error.value.code, error.value.request_id) == (
        503,
        "unavailable",
        "r-1",
    )
    assert error.value.retry_after == 0


def test_a_wait_longer_than_allowed_is_not_waited_for(busy: Busy) -> None:
    busy.answers = [(429, {"Retry-After": "3600"})]
    with (
        Questline("ql_sk_any", busy.url, retry=RetryPolicy(max_retry_after=60)) as questline,
        pytest.raises(RateLimited) as error,
    ):
        questline.send("did", "ada")
    assert len(busy.seen) == 1
    assert error.value.retry_after == 3600


def test_a_server_that_cannot_be_reached_is_retried_then_reported() -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    policy = RetryPolicy(attempts=3, backoff=0.01)
    with Questline("ql_sk_any", nobody, retry=policy) as questline, pytest.raises(TransportError):
        questline.send("did", "ada")


def test_a_post_without_an_id_is_not_sent_again_after_a_503_but_after_a_429(
    busy: Busy,
) -> None:
    grant = {"currency": "gems", "amount": 5, "reason": "support"}
    busy.answers = [(503, {"Retry-After": "0"})]
    with Questline("ql_sk_any", busy.url) as questline, pytest.raises(Unavailable):
        questline.request("POST", "/v1/players/ada/grants", json=grant)
    assert len(busy.seen) == 1  # it may have been granted: a second try could grant twice

    busy.seen.clear()
    busy.answers = [(429, {"Retry-After": "0"})]
    with Questline("ql_sk_any", busy.url) as questline:
        questline.request("POST", "/v1/players/ada/grants", json=grant)
    assert len(busy.seen) == 2  # a 429 did nothing: the second try is safe


def test_a_batcher_whose_error_handler_raises_goes_on_sending(busy: Busy) -> None:
    busy.answers = [(400, {}), (400, {})]
    told: list[int] = []

    def broken_handler(events: list[Any], error: Exception) -> None:
        told.append(len(events))
        raise RuntimeError("a bug in the host app's handler")

    with Questline("ql_sk_any", busy.url) as questline:
        batcher = questline.batcher(on_error=broken_handler, flush_interval=3600, max_batch=1)
        batcher.add("did", "ada")
        batcher.flush()
        batcher.add("did", "bob")
        batcher.flush()
        batcher.close()
    assert told == [1, 1]  # the sender lived on after the first handler raised
    assert len(busy.seen) == 2
