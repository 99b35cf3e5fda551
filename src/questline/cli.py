"""The `questline` command: serve, worker, scheduler, migrate, apply, demo, keys."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from questline.auth.keys import Scope
from questline.engine.compiler import DesignError
from questline.settings import Settings, get_settings
from questline.storage.database import Database

cli = typer.Typer(help="Questline: a self-hostable gamification engine.", no_args_is_help=True)
keys = typer.Typer(help="API keys.", no_args_is_help=True)
cli.add_typer(keys, name="keys")


def _database() -> Database:
    settings = get_settings()
    return Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)


@cli.command()
def migrate() -> None:
    """Upgrade the database schema to this version of Questline."""
    from questline.storage.schema import migrate as upgrade

    database = _database()
    try:
        before, after = upgrade(database.engine)
    finally:
        database.dispose()
    typer.echo(f"schema: {before or 'empty'} -> {after}")


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default: QUESTLINE_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: QUESTLINE_PORT")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="API processes (distributed mode: each one stateless)")
    ] = 1,
) -> None:
    """Serve the API (with the embedded worker unless QUESTLINE_EMBEDDED_WORKER=off, or
    QUESTLINE_REDIS_URL is set and Celery workers process events)."""
    import uvicorn

    settings = get_settings()
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each process counts for itself; /metrics must add up all of them.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="questline-metrics-")
    _configure_logging(settings.log_level)
    common: dict[str, object] = {
        "host": host or settings.host,
        "port": port or settings.port,
        "log_level": settings.log_level,
        "timeout_graceful_shutdown": 30,
    }
    if workers > 1:
        uvicorn.run("questline.api.app:serve_app", factory=True, workers=workers, **common)  # type: ignore[arg-type]
        return
    from questline.api.app import serve_app

    uvicorn.run(serve_app(), **common)  # type: ignore[arg-type]


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the start-up schema check


def _distributed_settings() -> Settings:
    settings = get_settings()
    if settings.redis_url is None:
        typer.echo(
            "set QUESTLINE_REDIS_URL (and a PostgreSQL QUESTLINE_DATABASE_URL) to run"
            " distributed; embedded mode processes events inside `questline serve`",
            err=True,
        )
        raise typer.Exit(2)
    return settings


@cli.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1, help="processes of this worker")] = 1,
    pool: Annotated[str, typer.Option(help="Celery pool: prefork, solo or threads")] = "prefork",
) -> None:
    """Process events: a Celery worker (SIGTERM finishes the task in hand, then exits)."""
    from questline.processing.dispatch import relax_garbage_collection
    from questline.processing.distributed import QUEUE, create_celery

    settings = _distributed_settings()
    _configure_logging(settings.log_level)
    relax_garbage_collection()
    create_celery(settings).worker_main(
        [
            "worker",
            f"--loglevel={settings.log_level.upper()}",
            f"--concurrency={concurrency}",
            f"--pool={pool}",
            f"--queues={QUEUE}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@cli.command()
def scheduler() -> None:
    """Run periodic jobs on their timetable (Celery beat); run exactly one."""
    from questline.processing.distributed import create_celery

    settings = _distributed_settings()
    _configure_logging(settings.log_level)
    Path(settings.scheduler_state).parent.mkdir(parents=True, exist_ok=True)
    create_celery(settings).start(
        [
            "beat",
            f"--loglevel={settings.log_level.upper()}",
            f"--schedule={settings.scheduler_state}",
        ]
    )


@cli.command()
def apply(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="a game design (YAML or JSON)")
    ],
    app: Annotated[str, typer.Option(help="the app's slug")] = "default",
    comment: Annotated[str | None, typer.Option(help="why this version")] = None,
) -> None:
    """Publish a game design file as the app's new current version."""
    from questline.seeding import publish_file

    database = _database()
    try:
        version = publish_file(database, app, file, comment)
    except DesignError as error:
        for issue in error.issues:
            where = ".".join(map(str, issue.loc))
            position = f" (position {issue.position})" if issue.position is not None else ""
            typer.echo(f"{where}: {issue.message}{position}", err=True)
        raise typer.Exit(1) from None
    finally:
        database.dispose()
    typer.echo(f"published {file.name} as version {version} of app '{app}'")


@cli.command()
def demo(
    blueprint: Annotated[str, typer.Option(help="a blueprint under blueprints/")] = "skillquest",
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="do nothing if events exist")
    ] = False,
) -> None:
    """Load a blueprint with sample items, players and events into the default app."""
    from questline.seeding import is_empty, load_demo

    database = _database()
    try:
        if if_empty and not is_empty(database):
            typer.echo("demo: the database already has events; leaving it as it is")
            return
        loaded = load_demo(database, blueprint)
    finally:
        database.dispose()
    typer.echo(
        f"demo: '{blueprint}' published as version {loaded['config_version']}, "
        f"{loaded['items']} items, {loaded['events']} events processed"
    )


@keys.command("create")
def create_key(
    name: Annotated[str, typer.Option(help="what the key is for")],
    scope: Annotated[list[Scope], typer.Option(help="repeat for several")],
    app: Annotated[str, typer.Option(help="the app's slug")] = "default",
) -> None:
    """Create an API key. The secret is printed once and never stored."""
    from questline.storage.apps import create_key as store_key
    from questline.storage.apps import ensure_app

    database = _database()
    try:
        with database.transaction() as session:
            key, secret = store_key(
                session, ensure_app(session, app), name=name, scopes=[s.value for s in scope]
            )
    finally:
        database.dispose()
    typer.echo(secret)
    typer.echo(
        f"key '{key.name}' ({key.prefix}…) for app '{app}': store it now, it is not shown again",
        err=True,
    )


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
