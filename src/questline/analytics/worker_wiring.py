"""Installing the module into a worker that processes events, in a server or apart from
one. Kept apart from the server's wiring so a worker starts without the web framework.
Importing `snapshots` registers its periodic job with the core's list."""

from __future__ import annotations

from questline.analytics import projection, snapshots  # noqa: F401  (registers the job)
from questline.processing.worker import Worker


def install_worker(worker: Worker) -> None:
    worker.add_projection(projection.project)
