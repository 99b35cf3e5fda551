"""Periodic jobs: what `questline scheduler` (Celery beat) runs on a timetable.

A job is a name, an interval and a function of a `JobContext`. Adding one is one line
at the bottom of this module (or in the feature's own module, imported here):

    register(PeriodicJob("league-rollover", timedelta(minutes=1), roll_over_leagues))

Each run happens on a worker, in its own transactions; a job must be safe to run twice
and to run late (beat may fire again before a slow run ends, and after an outage it
fires once, not once per missed interval).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from questline.processing.batch import PENDING
from questline.processing.worker import Worker
from questline.settings import Settings
from questline.storage.database import Database
from questline.storage.models import Event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    database: Database
    worker: Worker


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    run: Callable[[JobContext], object]
    # Settings may stretch or shrink an interval (the sweep's is configurable).
    every_from: Callable[[Settings], timedelta] | None = None

    def interval(self, settings: Settings) -> timedelta:
        return self.every_from(settings) if self.every_from is not None else self.every


_JOBS: dict[str, PeriodicJob] = {}


def register(job: PeriodicJob) -> PeriodicJob:
    if job.name in _JOBS:
        raise ValueError(f"a periodic job named '{job.name}' is already registered")
    _JOBS[job.name] = job
    return job


def jobs() -> dict[str, PeriodicJob]:
    return dict(_JOBS)


def sweep_pending(context: JobContext) -> int:
    """Process events still pending after the grace period. A dispatch can be lost (the
    broker restarted empty, a worker killed after taking the task): the event log, not
    the queue, is the source of truth, and this is what makes that so."""
    cutoff = datetime.now(UTC) - timedelta(seconds=context.settings.sweep_grace_seconds)
    with context.database.reader() as session:
        stale_up_to = session.scalar(
            select(func.max(Event.seq)).where(Event.status == PENDING, Event.received_at < cutoff)
        )
    if stale_up_to is None:
        return 0
    done = context.worker.drain(up_to_seq=stale_up_to, batch=context.settings.worker_batch_size)
    if done:
        log.warning("the sweep processed %d events left pending by a lost dispatch", done)
    return done


register(
    PeriodicJob(
        "sweep-pending",
        timedelta(seconds=10),
        sweep_pending,
        every_from=lambda settings: timedelta(seconds=settings.sweep_every_seconds),
    )
)
