"""The composition root for processes that run a worker without a server (Celery
workers and beat, the embedded child process, the command line): the bounded modules'
part in them. `api/app.py` composes the server and uses these too. Nothing here loads
the web framework, so a worker starts as fast as the core lets it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from celery import Celery

from questline.analytics import worker_wiring as analytics
from questline.notifications import worker_wiring as notifications
from questline.processing.worker import Worker
from questline.settings import Settings
from questline.social import worker_wiring as social
from questline.storage.database import Database


def extend_worker(worker: Worker, settings: Settings) -> None:
    """What the bounded modules write with each batch of a worker outside a server."""
    notifications.install_worker(worker, settings)
    social.install_worker(worker)
    analytics.install_worker(worker)


def extend_celery(celery: Celery, settings: Settings) -> None:
    """The bounded modules' own Celery tasks (the webhook sender's)."""
    notifications.install_celery(celery, settings)


@contextmanager
def command_line_processing(
    database: Database, settings: Settings
) -> Iterator[Callable[[Sequence[int]], int]]:
    """How a command that appends events gets them processed: distributed (Redis set),
    the Celery workers are told, as after an API request; embedded, this process drains
    the players' events itself, with the modules' projections and the Redis board mirror
    a server's worker has. The callable takes the players whose events were committed
    and returns how many events it processed here."""
    if settings.redis_url is not None:
        from questline.processing.distributed import CeleryDispatcher

        dispatcher = CeleryDispatcher(settings)

        def dispatch(player_ids: Sequence[int]) -> int:
            dispatcher.events_committed(player_ids)
            return 0

        try:
            yield dispatch
        finally:
            dispatcher.stop()
        return
    from questline.leaderboards.wiring import build_leaderboards, close_leaderboards

    worker = Worker(database)
    extend_worker(worker, settings)
    reader = build_leaderboards(database, settings.redis_url, worker)
    try:
        yield lambda player_ids: worker.drain(player_ids=player_ids)
    finally:
        close_leaderboards(reader)
