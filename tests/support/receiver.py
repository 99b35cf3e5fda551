"""A host app's webhook endpoint on loopback, in a thread: it records every request and
answers with the status a test sets — or holds requests until the test lets them go,
as a slow or hanging receiver would."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.statuses: list[int] = []  # answers to give, in turn; then `status`
        self.status = 200
        self.holding = threading.Event()  # while set, requests wait for `release`
        self.released = threading.Event()
        self.held = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver._lock:
                    receiver.received.append(
                        Received({k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else receiver.status
                    hold = receiver.holding.is_set()
                    if hold:
                        receiver.held += 1
                if hold:
                    receiver.released.wait(120)
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def hold(self) -> None:
        self.released.clear()
        self.holding.set()

    def release(self) -> None:
        self.holding.clear()
        self.released.set()

    def requests(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def wait_for(self, condition: Any, timeout: float = 60, what: str = "webhooks") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self.requests()):
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; got {len(self.requests())}")
