"""Installing the module: into a server's context (routes' runtime, the player resource,
privacy, start and stop), and into any worker that processes events."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from questline.api.context import Context
from questline.notifications import jobs, service
from questline.notifications.outbox import Outlets
from questline.notifications.projection import NotificationProjection
from questline.processing.worker import Worker
from questline.settings import Settings


class PlayerNotifications:
    """The module's part in a player's export (under `modules.notifications`) and erasure."""

    name = "notifications"

    def export(self, session: Session, player_id: int) -> dict[str, Any]:
        return service.export_player(session, player_id)

    def erase(self, session: Session, player_id: int) -> None:
        service.erase_player(session, player_id)


class Notifications:
    """The module as a server runs it."""

    def __init__(self, settings: Settings, outlets: Outlets) -> None:
        self.settings = settings
        self.outlets = outlets

    def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


def install(context: Context) -> Notifications:
    module = Notifications(context.settings, Outlets())
    _install(context.worker, module.outlets)
    context.player_fields.append(service.unread_count)
    context.player_data.append(PlayerNotifications())
    context.modules["notifications"] = module
    return module


def install_worker(worker: Worker, settings: Settings) -> None:  # noqa: ARG001 (next parts)
    """For a worker outside a server (Celery, the embedded child process, the CLI)."""
    _install(worker, Outlets())


def _install(worker: Worker, outlets: Outlets) -> None:
    worker.add_projection(NotificationProjection(worker.designs, outlets).project)
    jobs.OUTLETS[worker] = outlets  # the periodic jobs run with this worker wake the same
