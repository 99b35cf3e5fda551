"""Installing the module into a worker that processes events, in a server or apart from
one (Celery workers, the embedded child process, the command line). Kept apart from the
server's wiring so a worker starts without loading the web framework."""

from __future__ import annotations

from celery import Celery

from questline.notifications import jobs, tasks
from questline.notifications.live import RedisLive
from questline.notifications.outbox import Outlets
from questline.notifications.projection import NotificationProjection
from questline.processing.worker import Worker
from questline.settings import Settings


def distributed(settings: Settings) -> bool:
    return settings.processing == "celery"


def redis_url(settings: Settings) -> str:
    assert settings.redis_url is not None
    return settings.redis_url


def install_worker(worker: Worker, settings: Settings) -> None:
    """For a worker outside a server (Celery, the embedded child process, the CLI): what
    it notifies reaches the servers' streams through Redis, or their poll without it."""
    outlets = Outlets()
    if settings.redis_url:
        outlets.live = RedisLive(settings.redis_url)
    if distributed(settings):  # else a server's sender thread finds the deliveries itself
        outlets.sender = tasks.CeleryWake(redis_url(settings))
    install_outlets(worker, outlets)


def install_celery(celery: Celery, settings: Settings) -> None:
    """The webhook sender's task, for `questline worker --webhooks`."""
    tasks.install_celery(celery, settings)


def install_outlets(worker: Worker, outlets: Outlets) -> None:
    worker.add_projection(NotificationProjection(worker.designs, outlets).project)
    jobs.OUTLETS[worker] = outlets  # the periodic jobs run with this worker wake the same
