"""Installing the module: into a server's context (routes' runtime, the player resource,
privacy, start and stop), and into any worker that processes events."""

from __future__ import annotations

from typing import Any

from celery import Celery
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from questline.api.context import Context
from questline.notifications import jobs, service, tasks
from questline.notifications.delivery import parse_networks
from questline.notifications.live import Fanout, LiveHub, RedisLive
from questline.notifications.outbox import LivePublisher, Outlets, SenderWake
from questline.notifications.projection import NotificationProjection
from questline.notifications.sender import EmbeddedSender
from questline.processing.worker import Worker
from questline.settings import Settings
from questline.storage.database import Database


class PlayerNotifications:
    """The module's part in a player's export (under `modules.notifications`) and erasure."""

    name = "notifications"

    def export(self, session: Session, player_id: int) -> dict[str, Any]:
        return service.export_player(session, player_id)

    def erase(self, session: Session, player_id: int) -> None:
        service.erase_player(session, player_id)


class Notifications:
    """The module as a server runs it: the live hub of its streams (woken by its own
    worker, and through Redis by every other process), the webhook sender's thread on
    the embedded default, and where its writes go."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self.allowed_networks = parse_networks(settings.webhook_allowed_networks)
        self.hub = LiveHub(database, poll_seconds=settings.notification_poll_seconds)
        self.redis = RedisLive(settings.redis_url) if settings.redis_url else None
        live: LivePublisher = Fanout(self.hub, self.redis) if self.redis else self.hub
        self.sender = EmbeddedSender(database, settings) if not _celery(settings) else None
        wake: SenderWake = self.sender if self.sender else tasks.CeleryWake(_redis(settings))
        self.outlets = Outlets(live=live, sender=wake)

    def start(self) -> None:
        self.hub.start(*([self.redis.listen(self.hub)] if self.redis else []))
        if self.sender is not None:
            self.sender.start()

    async def stop(self) -> None:
        if self.sender is not None:
            await run_in_threadpool(self.sender.stop)
        await self.hub.stop()
        if self.redis is not None:
            self.redis.close()


def _celery(settings: Settings) -> bool:
    return settings.processing == "celery"


def _redis(settings: Settings) -> str:
    assert settings.redis_url is not None
    return settings.redis_url


def install(context: Context) -> Notifications:
    module = Notifications(context.settings, context.database)
    _install(context.worker, module.outlets)
    context.player_fields.append(service.unread_count)
    context.player_data.append(PlayerNotifications())
    context.modules["notifications"] = module
    return module


def install_worker(worker: Worker, settings: Settings) -> None:
    """For a worker outside a server (Celery, the embedded child process, the CLI): what
    it notifies reaches the servers' streams through Redis, or their poll without it."""
    outlets = Outlets()
    if settings.redis_url:
        outlets.live = RedisLive(settings.redis_url)
    if _celery(settings):  # else a server's sender thread finds the deliveries itself
        outlets.sender = tasks.CeleryWake(_redis(settings))
    _install(worker, outlets)


def install_celery(celery: Celery, settings: Settings) -> None:
    """The webhook sender's task, for `questline worker --webhooks`."""
    tasks.install_celery(celery, settings)


def _install(worker: Worker, outlets: Outlets) -> None:
    worker.add_projection(NotificationProjection(worker.designs, outlets).project)
    jobs.OUTLETS[worker] = outlets  # the periodic jobs run with this worker wake the same
