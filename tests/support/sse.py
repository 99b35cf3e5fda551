"""A Server-Sent Events client as a browser's EventSource reads a stream: in a thread of
its own, collecting events in order, until closed. Closing takes effect at the next line
the server sends, so servers under test send heartbeats often."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class SseEvent:
    id: str | None
    event: str
    data: str

    @property
    def json(self) -> Any:
        return json.loads(self.data)


@dataclass
class SseClient:
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    events: list[SseEvent] = field(default_factory=list)
    status: int | None = None
    ended: bool = False  # the server ended the stream
    error: BaseException | None = None

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._opened = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def start(self) -> SseClient:
        self._thread.start()
        if not self._opened.wait(30):
            raise AssertionError(f"no answer from {self.url}")
        return self

    def _read(self) -> None:
        try:
            timeout = httpx.Timeout(30.0)
            with httpx.stream("GET", self.url, headers=self.headers, timeout=timeout) as response:
                self.status = response.status_code
                self._opened.set()
                if response.status_code != 200:
                    return
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line == "":
                        if "data" in fields:
                            event = SseEvent(
                                fields.get("id"), fields.get("event", "message"), fields["data"]
                            )
                            with self._lock:
                                self.events.append(event)
                        fields = {}
                    elif not line.startswith(":"):
                        name, _, value = line.partition(":")
                        value = value.removeprefix(" ")
                        if name == "data" and name in fields:
                            value = fields[name] + "\n" + value  # a multi-line data field
                        fields[name] = value
                self.ended = True
        except BaseException as error:  # reported to the test
            self.error = error
        finally:
            self._opened.set()

    def wait_for(self, count: int, timeout: float = 60) -> list[SseEvent]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.events) >= count:
                    return list(self.events)
            if self.error is not None or self.ended:
                break
            time.sleep(0.02)
        raise AssertionError(
            f"{len(self.events)} of {count} events arrived (error: {self.error!r},"
            f" ended: {self.ended})"
        )

    def close(self) -> list[SseEvent]:
        self._stop.set()
        self._thread.join(timeout=30)
        assert not self._thread.is_alive(), "the stream did not close"
        return list(self.events)

    def join(self, timeout: float) -> bool:
        """Wait for the server to end the stream; whether it did."""
        self._thread.join(timeout)
        return not self._thread.is_alive()
