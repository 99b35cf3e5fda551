"""Webhooks in distributed mode: a Celery task on a queue of its own, which `questline
worker --webhooks` consumes, so that no receiver ever holds up a worker that processes
events. Whoever writes deliveries wakes it after commit; the periodic job
`webhook-sweep` wakes it for retries that come due and for wake-ups that were lost."""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import redis
from celery import Celery

from questline.notifications import webhook_store
from questline.notifications.sender import Sender
from questline.processing.periodic import JobContext, PeriodicJob, register
from questline.settings import Settings
from questline.storage.database import Database

log = logging.getLogger(__name__)

SEND_TASK = "questline.webhooks.send"
QUEUE = "questline-webhooks"
FLAG = "questline:webhooks-queued"  # a send task waits in the queue
FLAG_SECONDS = 30
TASK_SECONDS = 30  # a task sends for at most this long, then queues the next


class CeleryWake:
    """Queue a send task, unless one already waits."""

    def __init__(self, redis_url: str) -> None:
        self.celery = Celery("questline", broker=redis_url, set_as_current=False)
        self.celery.conf.update(task_serializer="json", broker_connection_retry_on_startup=True)
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)

    def wake(self) -> None:
        try:
            if self.redis.set(FLAG, 1, nx=True, ex=FLAG_SECONDS):
                self.celery.send_task(SEND_TASK, queue=QUEUE)
        except Exception:
            log.warning("could not queue the webhook sender; the sweep will", exc_info=True)


@lru_cache(maxsize=4)
def celery_wake(redis_url: str, pid: int) -> CeleryWake:
    """One per process (connections are never shared across a fork)."""
    del pid
    return CeleryWake(redis_url)


def install_celery(celery: Celery, settings: Settings) -> None:
    """Register the send task on the app a worker runs."""
    held: list[tuple[int, Sender]] = []

    def sender() -> Sender:
        if not held or held[0][0] != os.getpid():
            database = Database(
                settings.database_url, sqlite_synchronous=settings.sqlite_synchronous
            )
            held[:] = [(os.getpid(), Sender(database, settings))]
        return held[0][1]

    @celery.task(name=SEND_TASK)  # type: ignore[untyped-decorator]
    def send_webhooks() -> int:
        assert settings.redis_url is not None
        wake = celery_wake(settings.redis_url, os.getpid())
        try:
            wake.redis.delete(FLAG)  # deliveries written from now on queue another task
        except redis.RedisError:
            log.warning("could not clear the webhook sender's flag", exc_info=True)
        current = sender()
        recorded = current.run(threading.Event(), until=time.monotonic() + TASK_SECONDS)
        with current.database.reader() as session:
            if webhook_store.due_count(session, datetime.now(UTC)):
                wake.wake()
        return recorded


def sweep_webhooks(context: JobContext) -> int:
    """Distributed: wake the sender if deliveries are due (retries, lost wake-ups, a
    sender killed mid-attempt). Embedded, the sender's thread looks by itself."""
    settings = context.settings
    if settings.processing != "celery" or settings.redis_url is None:
        return 0
    with context.database.reader() as session:
        due = webhook_store.due_count(session, datetime.now(UTC))
    if due:
        celery_wake(settings.redis_url, os.getpid()).wake()
    return due


register(PeriodicJob("webhook-sweep", timedelta(seconds=10), sweep_webhooks))
