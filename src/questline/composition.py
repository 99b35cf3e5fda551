"""The composition root for processes that run a worker without a server (Celery
workers and beat, the embedded child process, the command line): the bounded modules'
part in them. `api/app.py` composes the server and uses these too. Nothing here loads
the web framework, so a worker starts as fast as the core lets it."""

from __future__ import annotations

from celery import Celery

from questline.notifications import worker_wiring as notifications
from questline.processing.worker import Worker
from questline.settings import Settings
from questline.social import worker_wiring as social


def extend_worker(worker: Worker, settings: Settings) -> None:
    """What the bounded modules write with each batch of a worker outside a server."""
    notifications.install_worker(worker, settings)
    social.install_worker(worker)


def extend_celery(celery: Celery, settings: Settings) -> None:
    """The bounded modules' own Celery tasks (the webhook sender's)."""
    notifications.install_celery(celery, settings)
