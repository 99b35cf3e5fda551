"""Installing the module into a server's context: its projection into the worker, its
share of the player resource and of the privacy endpoints, and the `following` circle
friends leaderboards are read among. A worker's part alone is in `worker_wiring`."""

from __future__ import annotations

from questline.api.http.context import Context
from questline.social import service
from questline.social.privacy import SocialData
from questline.social.service import Notifier
from questline.social.worker_wiring import install_worker


class Social:
    """The module as a server runs it: nothing runs in the background; it holds how a
    cheered player is told (None when no module notifies)."""

    def __init__(self, notify: Notifier | None) -> None:
        self.notify = notify

    def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


def install(context: Context, notify: Notifier | None = None) -> Social:
    module = Social(notify)
    install_worker(context.worker)
    context.player_fields.append(service.player_fields)
    context.player_data.append(SocialData())
    context.circles["following"] = service.circle
    context.modules["social"] = module
    return module
