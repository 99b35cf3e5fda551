"""Dispatchers hand committed events to processing. The API only knows this
interface; embedded mode drains in a background thread of the API process, and
distributed mode will enqueue Celery tasks instead."""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from questline.processing.worker import Worker

log = logging.getLogger(__name__)


def relax_garbage_collection() -> None:
    """Processing allocates many short-lived, acyclic objects per event; at the default
    threshold (700 allocations) the cycle collector ran every few events and took a
    tenth of the time. Objects alive at start are frozen out of collection."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


class Dispatcher(Protocol):
    def events_committed(self, player_ids: Sequence[int]) -> None:
        """Called after the transaction that appended events committed."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class InProcessDispatcher:
    """One background thread drains the log in sequence order, so per-player order
    holds. It also polls, so events left pending by a crash are picked up at start."""

    def __init__(
        self,
        worker: Worker,
        *,
        poll_seconds: float = 1.0,
        batch: int = 500,
        linger_seconds: float = 0.0,
    ) -> None:
        self.worker = worker
        self.poll_seconds = poll_seconds
        self.linger_seconds = linger_seconds
        self.batch = batch
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def events_committed(self, player_ids: Sequence[int]) -> None:  # noqa: ARG002
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="questline-worker", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Finish the batch in hand, then stop (graceful shutdown)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                while not self._stopping.is_set() and self.worker.process_batch(limit=self.batch):
                    pass
            except Exception:
                # A storage hiccup must not kill the worker; the events stay pending
                # and the next wake-up or poll retries them.
                log.exception("processing failed; will retry")
            if self._wake.wait(self.poll_seconds) and self.linger_seconds:
                # Let a burst of single events gather into one batch instead of
                # competing with each request for the interpreter and the write lock.
                self._stopping.wait(self.linger_seconds)


class NoDispatcher:
    """For processes that only ingest (tests, tools): events wait for a worker."""

    def events_committed(self, player_ids: Sequence[int]) -> None:
        pass

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent() -> bool:
    """Ask Linux to kill this process when its parent dies, even by SIGKILL (which gives
    the parent no chance to stop it). False where that cannot be asked; then only
    ``parent_alive`` tells, at the worker's next look.

    Linux sends the signal when the *thread* that started this process ends: the server
    starts its worker from the thread that runs its event loop, which lasts as long as
    the server. A parent that died before the request is caught by ``parent_alive``."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def parent_alive(parent_pid: int) -> bool:
    """Whether the process that started this one still runs: an orphan is adopted by
    another process (init, or a subreaper), so its parent id changes."""
    return os.getppid() == parent_pid


def _drain_forever(
    database_url: str,
    sqlite_synchronous: str,
    wake: EventLike,
    stopping: EventLike,
    poll_seconds: float,
    batch: int,
    redis_url: str | None,
    parent_pid: int,
    death_signal: bool,
    extend: Callable[[Worker], None] | None = None,
) -> None:
    """The body of the worker process: the same worker, its own connections.

    It must not outlive the server: a server killed without a chance to stop it would
    otherwise leave it processing beside the worker of the server started in its place.
    ``death_signal``: whether to ask for a parent-death signal besides checking on it."""
    from questline.leaderboards.wiring import build_leaderboards, close_leaderboards
    from questline.storage.database import Database

    if death_signal:
        die_with_parent()
    relax_garbage_collection()
    database = Database(database_url, sqlite_synchronous=sqlite_synchronous)
    worker = Worker(database)
    if extend is not None:
        extend(worker)
    leaderboards = build_leaderboards(database, redis_url, worker)

    def going_on() -> bool:
        return not stopping.is_set() and parent_alive(parent_pid)

    try:
        while going_on():
            wake.clear()
            try:
                while going_on() and worker.process_batch(limit=batch):
                    pass
            except Exception:
                log.exception("processing failed; will retry")
            wake.wait(poll_seconds)
        if not parent_alive(parent_pid):
            log.warning("the server that started this worker is gone; stopping")
    finally:
        close_leaderboards(leaderboards)
        database.dispose()


class EventLike(Protocol):
    def set(self) -> None: ...

    def clear(self) -> None: ...

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class ProcessDispatcher:
    """The embedded worker in a child process of the server, so that processing has a
    core of its own instead of sharing one interpreter lock with the API. Same worker,
    same database file; per-player order holds because each batch is the oldest pending
    events, and SQLite's single writer decides who commits first."""

    def __init__(
        self,
        database_url: str,
        *,
        sqlite_synchronous: str,
        poll_seconds: float = 1.0,
        batch: int = 500,
        redis_url: str | None = None,
        parent_death_signal: bool = True,
        extend: Callable[[Worker], None] | None = None,
    ) -> None:
        """``parent_death_signal=False`` leaves only the child's own check that the server
        still runs (as on systems without one), for the tests of that check. ``extend``
        (picklable) adds the bounded modules' projections to the child's worker."""
        context = multiprocessing.get_context("spawn")
        self._wake = context.Event()
        self._stopping = context.Event()
        self._process = context.Process(
            target=_drain_forever,
            args=(
                database_url,
                sqlite_synchronous,
                self._wake,
                self._stopping,
                poll_seconds,
                batch,
                redis_url,
                os.getpid(),
                parent_death_signal,
                extend,
            ),
            name="questline-worker",
            daemon=True,
        )
        self._started = False

    def events_committed(self, player_ids: Sequence[int]) -> None:  # noqa: ARG002
        self._wake.set()

    def start(self) -> None:
        if not self._started:
            self._process.start()
            self._started = True

    def stop(self) -> None:
        if not self._started:
            return
        self._stopping.set()
        self._wake.set()
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
        self._process.close()
        self._started = False
        # Drop the shared events now: their semaphores are released when collected,
        # and at interpreter exit that would be too late for multiprocessing's tracker.
        del self._wake, self._stopping, self._process
