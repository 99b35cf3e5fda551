"""Distributed processing: Celery tasks over a Redis broker, and the dispatcher the API
uses to enqueue them.

Tasks name a *shard* of players, never events. A task drains its shard's oldest pending
events, locking each batch's players (see worker.py), so whatever the broker does —
deliver a task twice, late, out of order, or lose it — effects stay exactly-once and
each player's events are applied in log order: a duplicate finds nothing pending, an
early task processes the earlier events first, and a lost one is made good by the
next task of its shard or by the sweep (periodic.py).

At most one task per shard waits in the queue: the API enqueues only when it sets the
shard's flag in Redis, and a task clears the flag before it reads, so events committed
after the read always find the flag clear and enqueue a new task.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from celery import Celery

from questline.leaderboards.wiring import build_leaderboards
from questline.metrics import record_processed, timed_batch
from questline.processing import periodic
from questline.processing.backfill import backfill_achievements
from questline.processing.designs import DesignCache
from questline.processing.dry_runs import run_dry_run
from questline.processing.score_cache import ScoreCache, build_score_cache
from questline.processing.worker import Shard, Worker
from questline.settings import Settings
from questline.storage.database import Database

log = logging.getLogger(__name__)

DRAIN_TASK = "questline.drain"
PERIODIC_TASK = "questline.periodic"
BACKFILL_TASK = "questline.backfill"
DRY_RUN_TASK = "questline.dry_run"
QUEUE = "questline"
FLAG_SECONDS = 30  # a flag whose task was lost stops blocking new tasks after this
BATCHES_PER_TASK = 8


def shard_flag(index: int) -> str:
    return f"questline:drain-queued:{index}"


@dataclass
class _Runtime:
    """What a worker process holds; built on first use in the process that runs tasks
    (after the fork, so connections are never shared between processes)."""

    pid: int
    database: Database
    worker: Worker
    redis: redis.Redis
    scores: ScoreCache


def quiet_task_logs() -> None:
    """Celery logs two INFO lines per task (received, succeeded): thousands an hour for
    drains that are routine. Keep its warnings and errors (a failed task is an error)."""
    for name in ("celery.worker.strategy", "celery.app.trace"):
        logging.getLogger(name).setLevel(logging.WARNING)


def create_celery(
    settings: Settings,
    *,
    extend_worker: Callable[[Worker], None] | None = None,
    extend_celery: Callable[[Celery], None] | None = None,
) -> Celery:
    """The Celery app; `extend_worker` adds the bounded modules' projections to the worker
    each process builds to run tasks, and `extend_celery` their own tasks."""
    if settings.redis_url is None:
        raise ValueError("distributed processing needs QUESTLINE_REDIS_URL")
    app = Celery("questline", broker=settings.redis_url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        # A task is acknowledged when it ends, and given back if its worker dies, so a
        # killed worker's shard is drained again by another.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 300},
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        beat_schedule={
            f"questline:{name}": {
                "task": PERIODIC_TASK,
                "schedule": job.interval(settings).total_seconds(),
                "args": [name],
                "options": {"expires": job.interval(settings).total_seconds()},
            }
            for name, job in periodic.jobs().items()
        },
    )
    held: list[_Runtime] = []

    def runtime() -> _Runtime:
        if not held or held[0].pid != os.getpid():
            database = Database(
                settings.database_url, sqlite_synchronous=settings.sqlite_synchronous
            )
            worker = Worker(database, DesignCache())
            worker.on_processed(record_processed)
            if extend_worker is not None:
                extend_worker(worker)
            # What this worker commits must reach what the API reads from Redis: the
            # leaderboard mirror, and the score cache (dropped for the players touched).
            build_leaderboards(database, settings.redis_url, worker)
            scores = build_score_cache(settings)
            worker.on_processed(lambda results: scores.invalidate({r.player_id for r in results}))
            assert settings.redis_url is not None
            client = redis.Redis.from_url(settings.redis_url)
            held[:] = [_Runtime(os.getpid(), database, worker, client, scores)]
        return held[0]

    @app.task(name=DRAIN_TASK)  # type: ignore[untyped-decorator]
    def drain(index: int) -> int:
        current = runtime()
        try:
            current.redis.delete(shard_flag(index))
        except redis.RedisError:
            log.warning("could not clear the flag of shard %d", index, exc_info=True)
        shard = Shard(index, settings.worker_shards)
        total = 0
        # A bounded number of batches per task: other shards get their turn, and a warm
        # shutdown waits for one short task, not for the backlog.
        for _ in range(BATCHES_PER_TASK):
            done = timed_batch(
                lambda: current.worker.process_batch(limit=settings.worker_batch_size, shard=shard)
            )
            total += done
            if done < settings.worker_batch_size:
                return total
        requeue(index)
        return total

    def requeue(index: int) -> None:
        """More is pending: queue the shard again (unless a task for it already waits)."""
        try:
            if runtime().redis.set(shard_flag(index), 1, nx=True, ex=FLAG_SECONDS):
                app.send_task(DRAIN_TASK, args=[index], queue=QUEUE)
        except Exception:
            log.warning("could not queue shard %d again; the sweep will", index, exc_info=True)

    @app.task(name=BACKFILL_TASK)  # type: ignore[untyped-decorator]
    def backfill(app_id: int) -> int:
        current = runtime()
        report = backfill_achievements(
            current.database,
            current.worker.designs,
            app_id,
            current.worker.project,
            unless_done=True,
        )
        current.scores.invalidate(report.rewarded)  # rewards can move a score's inputs
        return report.awarded

    @app.task(name=DRY_RUN_TASK)  # type: ignore[untyped-decorator]
    def dry_run(run_id: int) -> None:
        current = runtime()
        run_dry_run(current.database, current.worker.designs, run_id)

    @app.task(name=PERIODIC_TASK)  # type: ignore[untyped-decorator]
    def run_periodic(name: str) -> Any:
        job = periodic.jobs().get(name)
        if job is None:
            log.error("no periodic job named '%s'", name)
            return None
        current = runtime()
        context = periodic.JobContext(
            settings, current.database, current.worker, CeleryBackfill(app), CeleryDryRuns(app)
        )
        return job.run(context)

    if extend_celery is not None:
        extend_celery(app)
    return app


class CeleryDispatcher:
    """Enqueues a drain of each touched shard once the events are committed. A failure
    to enqueue never fails the request: the events are durable, and the sweep will
    process them after its grace period."""

    def __init__(self, settings: Settings) -> None:
        assert settings.redis_url is not None
        self.shards = settings.worker_shards
        self.celery = create_celery(settings)
        self.redis = redis.Redis.from_url(
            settings.redis_url, socket_timeout=2, socket_connect_timeout=2
        )

    def events_committed(self, player_ids: Sequence[int]) -> None:
        shards = sorted({player_id % self.shards for player_id in player_ids})
        try:
            # One round trip for every shard's flag: a group of events touches many.
            with self.redis.pipeline(transaction=False) as pipe:
                for index in shards:
                    pipe.set(shard_flag(index), 1, nx=True, ex=FLAG_SECONDS)
                newly_flagged = pipe.execute()
        except Exception:
            log.warning(
                "could not flag shards %s; the sweep will process their events",
                shards,
                exc_info=True,
            )
            return
        for index, flagged in zip(shards, newly_flagged, strict=True):
            if not flagged:
                continue  # a task for this shard is already queued
            try:
                self.enqueue(index)
            except Exception:
                log.warning(
                    "could not enqueue shard %d; the sweep will process its events",
                    index,
                    exc_info=True,
                )

    def enqueue(self, index: int) -> None:
        self.celery.send_task(
            DRAIN_TASK, args=[index], queue=QUEUE, retry=True, retry_policy=_QUICK_RETRY
        )

    def queue_depth(self) -> int | None:
        try:
            depth: int = self.redis.llen(QUEUE)  # type: ignore[assignment]
            return depth
        except redis.RedisError:
            return None

    def start(self) -> None:
        pass

    def stop(self) -> None:
        self.redis.close()


_QUICK_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


class CeleryBackfill:
    """A backfill (after a publish, or resumed by the scheduler) runs on a worker, not
    in the API process."""

    def __init__(self, celery: Celery) -> None:
        self.celery = celery

    def request(self, app_id: int) -> None:
        try:
            self.celery.send_task(BACKFILL_TASK, args=[app_id], queue=QUEUE)
        except Exception:
            log.warning(
                "could not queue the backfill of app %s; run `questline backfill`",
                app_id,
                exc_info=True,
            )

    def wait(self, timeout: float = 30) -> None:
        pass


class CeleryDryRuns:
    """Distributed mode: a dry run runs on a worker, not in the API process."""

    def __init__(self, celery: Celery) -> None:
        self.celery = celery

    def start(self, run_id: int) -> None:
        try:
            self.celery.send_task(DRY_RUN_TASK, args=[run_id], queue=QUEUE)
        except Exception:
            log.warning("could not queue dry run %s; it stays pending", run_id, exc_info=True)

    def wait(self, timeout: float = 30) -> None:
        pass
