"""Installing the module: into a server's context (routes' runtime, the player resource,
privacy, start and stop), and into any worker that processes events."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from questline.api.context import Context
from questline.notifications import jobs, service
from questline.notifications.live import Fanout, LiveHub, RedisLive
from questline.notifications.outbox import LivePublisher, Outlets
from questline.notifications.projection import NotificationProjection
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
    worker, and through Redis by every other process), and where its writes go."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self.hub = LiveHub(database, poll_seconds=settings.notification_poll_seconds)
        self.redis = RedisLive(settings.redis_url) if settings.redis_url else None
        live: LivePublisher = Fanout(self.hub, self.redis) if self.redis else self.hub
        self.outlets = Outlets(live=live)

    def start(self) -> None:
        self.hub.start(*([self.redis.listen(self.hub)] if self.redis else []))

    async def stop(self) -> None:
        await self.hub.stop()
        if self.redis is not None:
            self.redis.close()


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
    live = RedisLive(settings.redis_url) if settings.redis_url else None
    _install(worker, Outlets(live=live) if live else Outlets())


def _install(worker: Worker, outlets: Outlets) -> None:
    worker.add_projection(NotificationProjection(worker.designs, outlets).project)
    jobs.OUTLETS[worker] = outlets  # the periodic jobs run with this worker wake the same
