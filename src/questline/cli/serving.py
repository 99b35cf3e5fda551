"""Running Questline: the schema, the API server, workers and the scheduler."""

from __future__ import annotations

import logging
import os
import tempfile
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from questline.cli.root import cli
from questline.cli.shared import configure_logging, distributed_settings, open_database
from questline.settings import get_settings


@cli.command()
def migrate() -> None:
    """Upgrade the database schema to this version of Questline."""
    from questline.storage.schema import migrate as upgrade

    with open_database() as database:
        before, after = upgrade(database.engine)
    typer.echo(f"schema: {before or 'empty'} -> {after}")


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default: QUESTLINE_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: QUESTLINE_PORT")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="API processes (distributed mode: each one stateless)")
    ] = 1,
    welcome: Annotated[
        bool,
        typer.Option(
            "--welcome", help="first print where to reach the server and the bootstrap admin key"
        ),
    ] = False,
    console_password_file: Annotated[
        Path | None,
        typer.Option(help="with --welcome: print the demo console user's sign-in from this file"),
    ] = None,
) -> None:
    """Serve the API (with the embedded worker unless QUESTLINE_EMBEDDED_WORKER=off, or
    QUESTLINE_REDIS_URL is set and Celery workers process events)."""
    import uvicorn

    from questline.logs import configure_logging
    from questline.metrics import forget_exited_processes
    from questline.serving import base_url, port_problem
    from questline.serving import welcome as welcome_lines

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    problem = port_problem(host, port)
    if problem is not None:
        typer.echo(problem, err=True)
        raise typer.Exit(1)
    if welcome:
        from questline.web.demo import demo_link

        key = settings.bootstrap_key.get_secret_value() if settings.bootstrap_key else None
        url = base_url(host, port)
        login = None
        if console_password_file is not None and console_password_file.is_file():
            from questline.seeding import DEMO_CONSOLE_USER

            password = console_password_file.read_text(encoding="utf-8").strip()
            login = (DEMO_CONSOLE_USER, password)
        typer.echo(welcome_lines(url, key, demo_link(settings, url), login))
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each process counts for itself; /metrics must add up all of them.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="questline-metrics-")
    forget_exited_processes()
    configure_logging(settings.log_level, settings.log_format)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the start-up schema check
    if os.environ.get("FORWARDED_ALLOW_IPS") and not settings.trusted_proxies:
        logging.getLogger(__name__).warning(
            "FORWARDED_ALLOW_IPS is ignored: set QUESTLINE_TRUSTED_PROXIES to the addresses"
            " of your reverse proxies; until then no X-Forwarded-For is believed"
        )
    common: dict[str, object] = {
        "host": host,
        "port": port,
        "log_level": settings.log_level,
        "log_config": None,  # uvicorn's own lines go through the same handler as ours
        "access_log": False,  # questline.access logs each request, with its request id
        # Forwarding headers are believed only from QUESTLINE_TRUSTED_PROXIES, by the app;
        # uvicorn's own default would believe any client on 127.0.0.1.
        "proxy_headers": False,
        "timeout_graceful_shutdown": 30,
    }
    if workers > 1:
        # Each process is spawned afresh and imports the factory, which sets up its logs.
        # uvicorn kills a process that has not answered its health check within the
        # timeout, and a fresh one must first import Questline: on a busy machine that
        # takes longer than uvicorn's 5 s, and every replacement would be killed in turn.
        uvicorn.run(
            "questline.api.app:serve_app",
            factory=True,
            workers=workers,
            timeout_worker_healthcheck=60,
            **common,  # type: ignore[arg-type]
        )
        return
    from questline.api.app import serve_app

    uvicorn.run(serve_app(), **common)  # type: ignore[arg-type]


@cli.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1, help="processes of this worker")] = 1,
    pool: Annotated[str, typer.Option(help="Celery pool: prefork, solo or threads")] = "prefork",
    webhooks: Annotated[
        bool,
        typer.Option(
            "--webhooks",
            help="send webhooks instead of processing events (run one or more apart:"
            " a slow receiver then never holds up processing)",
        ),
    ] = False,
) -> None:
    """Process events: a Celery worker (SIGTERM finishes the task in hand, then exits)."""
    from questline.composition import extend_celery, extend_worker
    from questline.metrics import forget_exited_processes
    from questline.notifications.tasks import QUEUE as WEBHOOK_QUEUE
    from questline.processing.dispatch import relax_garbage_collection
    from questline.processing.distributed import QUEUE, create_celery, quiet_task_logs

    settings = distributed_settings()
    forget_exited_processes()
    configure_logging(settings)
    if not settings.log_tasks:
        quiet_task_logs()
    relax_garbage_collection()
    celery = create_celery(
        settings,
        extend_worker=partial(extend_worker, settings=settings),
        extend_celery=partial(extend_celery, settings=settings),
    )
    celery.worker_main(
        [
            "worker",
            f"--loglevel={settings.log_level.upper()}",
            f"--concurrency={concurrency}",
            f"--pool={pool}",
            f"--queues={WEBHOOK_QUEUE if webhooks else QUEUE}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@cli.command()
def scheduler() -> None:
    """Run periodic jobs on their timetable (Celery beat); run exactly one."""
    import questline.composition  # noqa: F401  (the modules register their periodic jobs)
    from questline.processing.distributed import create_celery

    settings = distributed_settings()
    configure_logging(settings)
    Path(settings.scheduler_state).parent.mkdir(parents=True, exist_ok=True)
    create_celery(settings).start(
        [
            "beat",
            f"--loglevel={settings.log_level.upper()}",
            f"--schedule={settings.scheduler_state}",
        ]
    )
