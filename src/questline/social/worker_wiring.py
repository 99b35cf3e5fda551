"""Installing the module into a worker that processes events, in a server or apart from
one. Kept apart from the server's wiring so a worker starts without the web framework."""

from __future__ import annotations

from questline.processing.worker import Worker
from questline.social.projection import ActivityProjection


def install_worker(worker: Worker) -> None:
    worker.add_projection(ActivityProjection(worker.designs).project)
