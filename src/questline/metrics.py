"""Prometheus metrics.

Counters and histograms are kept per process. With several API processes and workers on
one machine, set PROMETHEUS_MULTIPROC_DIR (the same directory for all of them): every
process writes its values there and `/metrics` of any API process adds them up. The files
of processes that have exited are removed when `questline serve` or `questline worker`
starts, so a restarted stack does not count its previous run again. Gauges that describe
the whole system (pending events, lag, queue depth) are read from the database and the
broker when `/metrics` is scraped, so they are right whichever process answers.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import func, select

from questline.processing.batch import PENDING, Processed
from questline.storage.database import Database
from questline.storage.models import Event

log = logging.getLogger(__name__)

EVENTS_INGESTED = Counter(
    "questline_events_ingested", "Events appended to the event log (replays not counted)"
)
EVENTS_PROCESSED = Counter("questline_events_processed", "Events processed, by outcome", ["status"])
AWARDS = Counter(
    "questline_awards",
    "Effects of processed events, by kind (currency_awarded, level_reached, …)",
    ["kind"],
)
PROCESSING_SECONDS = Histogram(
    "questline_processing_batch_seconds",
    "Time to process one batch of events and commit its effects",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PROCESSING_LATENCY = Histogram(
    "questline_processing_latency_seconds",
    "Time from an event's acceptance by the API to the commit of its effects",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
PROCESSING_BATCH_EVENTS = Histogram(
    "questline_processing_batch_events",
    "Events per processed batch",
    buckets=(1, 10, 50, 100, 250, 500, 1000, 2000, 5000),
)
HTTP_SECONDS = Histogram(
    "questline_http_request_seconds",
    "HTTP request latency, by route template, method and status",
    ["route", "method", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


def record_processed(results: list[Processed]) -> None:
    """A worker hook: what a committed batch did."""
    statuses: dict[str, int] = {}
    kinds: dict[str, int] = {}
    now = datetime.now(UTC)
    for result in results:
        if result.received_at is not None:
            received = result.received_at
            received = received if received.tzinfo else received.replace(tzinfo=UTC)
            PROCESSING_LATENCY.observe(max(0.0, (now - received).total_seconds()))
        statuses[result.status] = statuses.get(result.status, 0) + 1
        if result.effects is not None:
            for effect in result.effects.items:
                kinds[effect.kind] = kinds.get(effect.kind, 0) + 1
    for status, count in statuses.items():
        EVENTS_PROCESSED.labels(status).inc(count)
    for kind, count in kinds.items():
        AWARDS.labels(kind).inc(count)


def timed_batch(process: Callable[[], int]) -> int:
    started = time.perf_counter()
    done = process()
    if done:
        PROCESSING_SECONDS.observe(time.perf_counter() - started)
        PROCESSING_BATCH_EVENTS.observe(done)
    return done


class BacklogCollector(Collector):
    """Pending events, the age of the oldest (processing lag) and the broker's queue
    depth, read at scrape time."""

    def __init__(self, database: Database, queue_depth: Callable[[], int | None]) -> None:
        self.database = database
        self.queue_depth = queue_depth

    def collect(self) -> Iterator[Metric]:
        try:
            with self.database.reader() as session:
                pending, oldest = session.execute(
                    select(func.count(), func.min(Event.received_at)).where(Event.status == PENDING)
                ).one()
        except Exception:  # a scrape during an outage still returns the other metrics
            log.warning("metrics: the database is unreachable", exc_info=True)
        else:
            yield GaugeMetricFamily(
                "questline_events_pending", "Events in the log not yet processed", pending
            )
            lag = 0.0
            if oldest is not None:
                oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
                lag = max(0.0, (datetime.now(UTC) - oldest).total_seconds())
            yield GaugeMetricFamily(
                "questline_processing_lag_seconds",
                "Age of the oldest pending event (0 when none is pending)",
                lag,
            )
        depth = self.queue_depth()
        if depth is not None:
            yield GaugeMetricFamily(
                "questline_queue_depth", "Processing tasks waiting in the broker", depth
            )


def exposition(extra: Iterable[Collector]) -> bytes:
    """The text format of every metric: this process's (or, in multiprocess mode, all
    processes') plus the scrape-time collectors."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        output = generate_latest(registry)
    else:
        output = generate_latest(REGISTRY)
    extra_registry = CollectorRegistry()
    for collector in extra:
        extra_registry.register(collector)
    return output + generate_latest(extra_registry)


# prometheus_client names each process's file after its type and pid: counter_4711.db
_PROCESS_FILE = re.compile(r"[a-z_]+_(\d+)\.db")


def forget_exited_processes() -> list[Path]:
    """Delete the files of PROMETHEUS_MULTIPROC_DIR that belong to processes no longer
    running (a previous run of the stack); returns them.

    Every process of the stack may call this as it starts: it never touches the file of a
    running process, so processes started together need no order. The directory must
    hold only processes of this machine's PID namespace."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory or not os.path.isdir(directory):
        return []
    removed = []
    for path in Path(directory).iterdir():
        match = _PROCESS_FILE.fullmatch(path.name)
        if match is not None and not _running(int(match.group(1))):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
