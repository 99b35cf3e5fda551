"""Dispatchers hand committed events to processing. The API only knows this
interface; embedded mode drains in a background thread of the API process, and
distributed mode will enqueue Celery tasks instead."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

from questline.processing.worker import Worker

log = logging.getLogger(__name__)


class Dispatcher(Protocol):
    def events_committed(self, player_ids: Sequence[int]) -> None:
        """Called after the transaction that appended events committed."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class InProcessDispatcher:
    """One background thread drains the log in sequence order, so per-player order
    holds. It also polls, so events left pending by a crash are picked up at start."""

    def __init__(self, worker: Worker, *, poll_seconds: float = 1.0, batch: int = 500) -> None:
        self.worker = worker
        self.poll_seconds = poll_seconds
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
            self._wake.wait(self.poll_seconds)


class NoDispatcher:
    """For processes that only ingest (tests, tools): events wait for a worker."""

    def events_committed(self, player_ids: Sequence[int]) -> None:
        pass

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass
