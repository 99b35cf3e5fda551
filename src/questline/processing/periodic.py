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
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from questline.processing.backfill import STALE, Backfiller
from questline.processing.batch import PENDING
from questline.processing.dry_runs import STALE as DRY_RUN_STALE
from questline.processing.dry_runs import DryRunner
from questline.processing.worker import Worker
from questline.settings import Settings
from questline.storage import configs, console_sessions, users
from questline.storage.database import Database
from questline.storage.dry_runs import claim_stale_dry_runs
from questline.storage.models import Event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    database: Database
    worker: Worker
    backfill: Backfiller | None = None  # where a resumed backfill runs
    dry_runs: DryRunner | None = None  # where a resumed dry run runs


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


def archive_leaderboard_runs(context: JobContext) -> int:
    """Finalize leaderboard runs that have ended, and move rolling boards' windows."""
    from questline.leaderboards.archive import archive_ended_runs
    from questline.leaderboards.rolling import move_rolling_windows
    from questline.leaderboards.wiring import build_leaderboards, close_leaderboards

    reader = build_leaderboards(context.database, context.settings.redis_url)
    try:
        archived = archive_ended_runs(context.database, reader.store)
        move_rolling_windows(context.database, reader.store, context.worker.designs)
    finally:
        close_leaderboards(reader)
    return len(archived)


def roll_over_leagues(context: JobContext) -> int:
    """Settle the league groups whose week is over: promote, demote, archive."""
    from questline.leagues.rollover import rollover_leagues

    return len(rollover_leagues(context.database, context.worker.designs))


def resume_backfills(context: JobContext, now: datetime | None = None) -> list[int]:
    """Run again the achievement backfills that did not run to the end: their server or
    worker stopped in the middle, the database went away, or `questline apply`
    published (it asks for none). Only each app's current design, and only once its
    backfill has been silent for `STALE`; the apps it asked a run for."""
    if context.backfill is None or not context.settings.backfill_after_publish:
        return []
    now = now or datetime.now(UTC)
    with context.database.transaction() as session:
        apps = configs.claim_unfinished_backfills(session, now - STALE, now)
    for app_id in apps:
        log.warning("resuming the achievement backfill of app %s", app_id)
        context.backfill.request(app_id)
    return apps


def resume_dry_runs(context: JobContext, now: datetime | None = None) -> list[int]:
    """Run again the dry runs left pending or running by a server or worker that stopped
    (or whose start was lost), once they have been silent for `DRY_RUN_STALE`: each
    starts over. The runs started."""
    if context.dry_runs is None:
        return []
    now = now or datetime.now(UTC)
    with context.database.transaction() as session:
        runs = claim_stale_dry_runs(session, now - DRY_RUN_STALE, now)
    for run_id in runs:
        log.warning("resuming dry run %s: its runner went away", run_id)
        context.dry_runs.start(run_id)
    return runs


def switch_scheduled_publishes(
    context: JobContext, now: datetime | None = None
) -> list[tuple[int, str]]:
    """Start and end the scheduled publishes whose time has come (`services.schedules`);
    the apps given a new version read it at once and get their backfill."""
    from questline.services.schedules import switch_due

    apps: set[int] = set()
    with context.database.transaction() as session:
        switched = switch_due(session, now or datetime.now(UTC), apps.add)
    for app_id in sorted(apps):
        context.worker.designs.forget_current(app_id)
        if context.backfill is not None and context.settings.backfill_after_publish:
            context.backfill.request(app_id)
    return switched


register(PeriodicJob("scheduled-publishes", timedelta(seconds=30), switch_scheduled_publishes))
register(PeriodicJob("leaderboard-runs", timedelta(minutes=1), archive_leaderboard_runs))
register(PeriodicJob("league-rollover", timedelta(minutes=1), roll_over_leagues))
register(PeriodicJob("backfill-resume", timedelta(minutes=1), resume_backfills))
register(PeriodicJob("dry-run-resume", timedelta(minutes=1), resume_dry_runs))


def prune_refresh_tokens(context: JobContext, now: datetime | None = None) -> int:
    """Delete expired console refresh tokens, so their table holds only live sign-ins."""
    with context.database.transaction() as session:
        return users.prune_refresh_tokens(session, now or datetime.now(UTC))


register(PeriodicJob("refresh-tokens", timedelta(hours=1), prune_refresh_tokens))


def prune_console_sessions(context: JobContext, now: datetime | None = None) -> int:
    """Delete expired web console sessions (their cookies open nothing any more)."""
    with context.database.transaction() as session:
        return console_sessions.prune_sessions(session, now or datetime.now(UTC))


register(PeriodicJob("console-sessions", timedelta(hours=1), prune_console_sessions))


class EmbeddedScheduler:
    """The periodic jobs in a thread of the server, for the embedded default where no
    Celery beat runs. The sweep is left out: the embedded worker polls the log itself."""

    def __init__(self, context: JobContext, *, skip: frozenset[str] = frozenset({"sweep-pending"})):
        self.context = context
        self._jobs = {name: job for name, job in jobs().items() if name not in skip}
        self._due = dict.fromkeys(self._jobs, 0.0)  # run each once soon after start
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, now: float | None = None) -> list[str]:
        """Run every job that is due at `now` (monotonic seconds); returns their names."""
        now = time.monotonic() if now is None else now
        ran = []
        for name, job in self._jobs.items():
            if self._due[name] > now or self._stopping.is_set():
                continue
            self._due[name] = now + job.interval(self.context.settings).total_seconds()
            try:
                job.run(self.context)
            except Exception:
                log.exception("periodic job '%s' failed; it runs again at its next turn", name)
            ran.append(name)
        return ran

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="questline-jobs", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.wait(1.0):
            self.tick()
