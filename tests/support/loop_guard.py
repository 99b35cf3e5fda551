"""A watchdog for the event loop of a server under test: the test fails when one callback
of the loop kept it from answering anything else for more than 100 ms.

A thread asks the loop to answer every 10 ms (`call_soon_threadsafe`). While an answer is
late, it looks at the loop thread's stack every 5 ms and finds which callback
the thread is in: the outermost frame above the loop's own machinery (asyncio's, or the
frame that runs uvloop's C loop). The same frame for longer than the limit is a stall: a
route waiting for a lock, parsing a large document, reading a file. A late answer with
the thread in the loop's own code, or in a new callback at each look, is not: the loop was
free, or busy with many short callbacks, and only slow to be scheduled on a busy machine.
A stall is reported with the thread's stack once the limit passes, so that a loop blocked
for good is seen at once (the test need not wait for its own time-outs), and again with
its length once it ends.

`watch_test_client` guards the loop of a `TestClient`; `tests.support.guarded_server` runs
`questline serve` with a watchdog that writes its reports to a file (`LoopReport` reads it).
"""

from __future__ import annotations

import asyncio
import json
import re
import selectors
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from questline.api.http.sessions import check_session_routes

LIMIT_SECONDS = 0.1
_PING_EVERY_SECONDS = 0.01
_LOOK_EVERY_SECONDS = 0.005
_MACHINERY = (str(Path(asyncio.__file__).parent), str(Path(selectors.__file__)))

Report = Callable[[dict[str, Any]], None]


class LoopWatchdog:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        thread_id: int,
        report: Report,
        *,
        limit: float = LIMIT_SECONDS,
    ) -> None:
        self.loop = loop
        self.thread_id = thread_id
        self.report = report
        self.limit = limit
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="loop-watchdog", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, *, wait: bool = True) -> None:
        """Stop watching; `wait=False` on the loop's own thread (the watchdog may be
        waiting for the loop to answer)."""
        self._stop.set()
        if wait:
            self._thread.join(timeout=5)

    def _watch(self) -> None:
        while not self._stop.wait(_PING_EVERY_SECONDS):
            answered = threading.Event()
            try:
                self.loop.call_soon_threadsafe(answered.set)
            except RuntimeError:
                return  # the loop is closed
            if not answered.wait(_PING_EVERY_SECONDS):
                self._watch_late(answered)

    def _watch_late(self, answered: threading.Event) -> None:
        """Look at the loop thread until the loop answers; report each callback that holds
        it for longer than the limit."""
        callback: FrameType | None = None  # held, so that its identity is not reused
        since = cpu_since = 0.0
        stalled = False
        while not answered.wait(_LOOK_EVERY_SECONDS):
            if self._stop.is_set():
                return
            now = time.monotonic()
            current, innermost = self._callback()
            if current is None or current is not callback:
                if stalled:
                    self._ended(now - since)
                callback, since, cpu_since, stalled = current, now, self._loop_cpu(), False
            elif not stalled and now - since >= self.limit:
                stalled = True
                cpu_ms = round((self._loop_cpu() - cpu_since) * 1000)
                stack = "".join(traceback.format_stack(innermost))
                entry = {"event": "blocked", "limit_ms": self.limit * 1000, "stack": stack}
                self.report({**entry, "loop_cpu_ms": cpu_ms})
        if stalled:
            self._ended(time.monotonic() - since)

    def _ended(self, seconds: float) -> None:
        self.report({"event": "ended", "blocked_ms": round(seconds * 1000)})

    def _loop_cpu(self) -> float:
        return time.clock_gettime(time.pthread_getcpuclockid(self.thread_id))

    def _callback(self) -> tuple[FrameType | None, FrameType | None]:
        """The outermost frame of the callback the loop thread runs (None if it is in the
        loop's own code), and its innermost frame."""
        innermost = frame = sys._current_frames().get(self.thread_id)
        callback = None
        while frame is not None and not frame.f_code.co_filename.startswith(_MACHINERY):
            callback, frame = frame, frame.f_back
        return callback, innermost


class LoopReport:
    """What a watchdog reported: kept in memory, or (for a server process) in a file of
    one JSON object a line."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def write(self, entry: dict[str, Any]) -> None:
        if self.path is None:
            with self._lock:
                self._entries.append(entry)
            return
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")

    def entries(self) -> list[dict[str, Any]]:
        if self.path is None:
            with self._lock:
                return list(self._entries)
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def still_blocked(self) -> bool:
        events = [entry["event"] for entry in self.entries()]
        return events.count("blocked") > events.count("ended")

    def assert_never_blocked(self) -> None:
        entries = self.entries()
        stalls = [entry for entry in entries if entry["event"] == "blocked"]
        if not stalls:
            return
        totals = [entry["blocked_ms"] for entry in entries if entry["event"] == "ended"]
        lines = [
            f"  {f'for {totals[n]} ms' if n < len(totals) else 'still blocked'}"
            f" (on CPU {stall.get('loop_cpu_ms', '?')} ms of the first {stall['limit_ms']:g}),"
            f" at {_innermost(stall['stack'])}"
            for n, stall in enumerate(stalls)
        ]
        raise AssertionError(
            f"the server's event loop was blocked for more than {stalls[0]['limit_ms']:g} ms"
            f" {len(stalls)} time(s):\n"
            + "\n".join(lines)
            + "\nthe first time, at:\n"
            + stalls[0]["stack"]
        )


def _innermost(stack: str, frames: int = 3) -> str:
    """`file:line in function` of the innermost frames of a formatted stack, innermost first."""
    found = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', stack)
    return " <- ".join(
        f"{Path(file).name}:{line} in {function}" for file, line, function in found[::-1][:frames]
    )


@contextmanager
def watch_test_client(client: TestClient) -> Iterator[LoopReport]:
    """Guard the event loop of a started `TestClient` (its portal's) while in the block;
    the block fails if the loop was blocked."""
    assert client.portal is not None, "start the client first (`with TestClient(...)`)"
    # As `questline serve` does before its first request: every route's state is built
    # now, not on the loop at the first request to each router.
    assert isinstance(client.app, FastAPI)
    check_session_routes(client.app)
    loop = client.portal.call(_running_loop)
    thread_id = client.portal.call(_thread_id)
    report = LoopReport()
    watchdog = LoopWatchdog(loop, thread_id, report.write)
    watchdog.start()
    try:
        yield report
    finally:
        watchdog.stop()
    report.assert_never_blocked()


async def _running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


async def _thread_id() -> int:
    return threading.get_ident()
