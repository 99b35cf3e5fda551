"""Installing the module: into a server's context (routes' runtime, the player resource,
privacy, start and stop). A worker's part is in `worker_wiring`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from questline.api.http.context import Context
from questline.notifications import service, tasks
from questline.notifications.delivery import parse_networks
from questline.notifications.live import Fanout, LiveHub, RedisLive
from questline.notifications.outbox import LivePublisher, Outlets, SenderWake
from questline.notifications.sender import EmbeddedSender
from questline.notifications.worker_wiring import distributed, install_outlets, redis_url
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
        self.sender = EmbeddedSender(database, settings) if not distributed(settings) else None
        wake: SenderWake = self.sender if self.sender else tasks.CeleryWake(redis_url(settings))
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


def install(context: Context) -> Notifications:
    module = Notifications(context.settings, context.database)
    install_outlets(context.worker, module.outlets)
    context.player_fields.append(service.unread_count)
    context.player_data.append(PlayerNotifications())
    context.modules["notifications"] = module
    return module
