"""Installing the module into a server's context: its rollups into the worker's batches.
Its routes are included by `api/app.py`; a worker's part alone is in `worker_wiring`."""

from __future__ import annotations

from questline.analytics.worker_wiring import install_worker
from questline.api.http.context import Context


def install(context: Context) -> None:
    install_worker(context.worker)
