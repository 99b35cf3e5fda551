"""The `questline` command: serve, worker, scheduler, migrate, apply, demo, keys."""

from __future__ import annotations

import logging
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy.orm import Session

from questline.auth.keys import Scope
from questline.auth.policy import Role
from questline.engine.compiler import DesignError
from questline.settings import Settings, get_settings
from questline.storage.database import Database
from questline.storage.models import App

if TYPE_CHECKING:
    from questline.services.bundles import Bundle

cli = typer.Typer(help="Questline: a self-hostable gamification engine.", no_args_is_help=True)
keys = typer.Typer(help="API keys.", no_args_is_help=True)
cli.add_typer(keys, name="keys")
apps = typer.Typer(help="Apps (tenants).", no_args_is_help=True)
cli.add_typer(apps, name="apps")
users = typer.Typer(help="Console users.", no_args_is_help=True)
cli.add_typer(users, name="users")
rebuild = typer.Typer(help="Recompute derived state from the database.", no_args_is_help=True)
cli.add_typer(rebuild, name="rebuild")
leaderboards = typer.Typer(help="Leaderboard runs.", no_args_is_help=True)
cli.add_typer(leaderboards, name="leaderboards")
leagues = typer.Typer(help="Weekly leagues.", no_args_is_help=True)
cli.add_typer(leagues, name="leagues")


@contextmanager
def _database() -> Iterator[Database]:
    """The configured database, disposed of when the command is done with it."""
    settings = get_settings()
    database = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        yield database
    finally:
        database.dispose()


@cli.command()
def migrate() -> None:
    """Upgrade the database schema to this version of Questline."""
    from questline.storage.schema import migrate as upgrade

    with _database() as database:
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


def _configure_logging(settings: Settings) -> None:
    from questline.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)


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

    settings = _distributed_settings()
    forget_exited_processes()
    _configure_logging(settings)
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

    settings = _distributed_settings()
    _configure_logging(settings)
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
        Path | None,
        typer.Argument(exists=True, dir_okay=False, help="a game design (YAML or JSON)"),
    ] = None,
    bundle: Annotated[
        Path | None,
        typer.Option(
            "--file", "-f", exists=True, dir_okay=False, help="a bundle from `questline export`"
        ),
    ] = None,
    app: Annotated[str, typer.Option(help="the app's id")] = "default",
    comment: Annotated[str | None, typer.Option(help="why this version")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="apply without asking")] = False,
) -> None:
    """Publish a game design file as the app's new current version; or, with -f, apply
    a bundle (design and item catalog): show what it changes, then apply it."""
    from questline.seeding import publish_file
    from questline.services.bundles import is_bundle
    from questline.yamlfile import load_yaml

    path = bundle or file
    if path is None or (bundle is not None and file is not None):
        typer.echo("give a design FILE, or a bundle with -f FILE", err=True)
        raise typer.Exit(2)
    source = path.read_text(encoding="utf-8")
    if bundle is not None or is_bundle(load_yaml(source)):
        _apply_bundle(path, source, app, comment, yes=yes)
        return
    with _database() as database:
        try:
            version = publish_file(database, app, path, comment)
        except DesignError as error:
            for issue in error.issues:
                where = ".".join(map(str, issue.loc))
                position = f" (position {issue.position})" if issue.position is not None else ""
                typer.echo(f"{where}: {issue.message}{position}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"published {path.name} as version {version} of app '{app}'")


def _apply_bundle(path: Path, source: str, slug: str, comment: str | None, *, yes: bool) -> None:
    from questline.errors import InvalidInput
    from questline.services.bundles import read_bundle
    from questline.yamlfile import load_yaml

    try:
        found = read_bundle(load_yaml(source))
    except InvalidInput as error:
        typer.echo(f"{path.name}: {error}", err=True)
        for problem in error.errors:
            where = ".".join(map(str, problem["loc"]))
            typer.echo(f"  {where}: {problem['message']}", err=True)
        raise typer.Exit(1) from None
    with _database() as database:
        _apply_plan(database, path, found, slug, comment, yes=yes)


def _apply_plan(
    database: Database, path: Path, found: Bundle, slug: str, comment: str | None, *, yes: bool
) -> None:
    from questline.errors import InvalidInput
    from questline.services.bundles import apply_plan, plan_bundle
    from questline.storage.apps import ensure_app

    try:
        with database.transaction() as session:
            app_id = ensure_app(session, slug).id
            plan = plan_bundle(session, app_id, found)
        if plan.empty:
            typer.echo(f"app '{slug}' already matches {path.name}: nothing to change")
            return
        typer.echo(f"applying {path.name} to app '{slug}' would change:")
        for line in plan.describe():
            typer.echo(f"  {line}")
        if not yes and not typer.confirm("apply these changes?"):
            raise typer.Exit(1)
        with database.transaction() as session:
            # Planned again in the writer's turn: what is applied is what is there now.
            plan = plan_bundle(session, app_id, found)
            version = apply_plan(
                session, app_id, plan, by="cli", comment=comment or f"applied {path.name}"
            )
    except InvalidInput as error:
        typer.echo(f"{path.name}: {error}", err=True)
        raise typer.Exit(1) from None
    published = f"design published as version {version}" if version else "design unchanged"
    typer.echo(
        f"applied {path.name} to app '{slug}': {published}, {len(plan.items)} item change(s)"
    )


@cli.command()
def export(app: Annotated[str, typer.Option(help="the app's id")] = "default") -> None:
    """Print the app's game design and item catalog as a bundle (YAML), for
    `questline apply -f` on another server."""
    import yaml

    from questline.services.bundles import export_bundle

    with _database() as database, database.reader() as session:
        bundle = export_bundle(session, _app(session, app).id, app)
    typer.echo(yaml.safe_dump(bundle, sort_keys=False, allow_unicode=True), nl=False)


@cli.command()
def demo(
    blueprint: Annotated[
        str, typer.Option(help="a blueprint under blueprints/ (an unknown name lists them)")
    ] = "skillquest",
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="do nothing if events exist")
    ] = False,
    console_password_file: Annotated[
        Path | None,
        typer.Option(
            help="also create the demo console user (designer@example.com, owner) with the"
            " password on this file's first line, unless it exists"
        ),
    ] = None,
) -> None:
    """Load a blueprint with sample items, players and events into the default app."""
    from questline.composition import extend_worker
    from questline.learning.demo import load_learning_demo
    from questline.seeding import UnknownBlueprint, blueprints_dir, is_empty, load_demo
    from questline.social.demo import load_social_demo

    with _database() as database:
        if console_password_file is not None:
            from questline.seeding import DEMO_CONSOLE_USER, ensure_demo_console_user

            password = console_password_file.read_text(encoding="utf-8").strip()
            if ensure_demo_console_user(database, password):
                typer.echo(f"demo: console user {DEMO_CONSOLE_USER} (owner of the default app)")
        try:
            if if_empty and not is_empty(database):
                typer.echo("demo: the database already has events; leaving it as it is")
                return
            extend = partial(extend_worker, settings=get_settings())
            loaded = load_demo(database, blueprint, extend=extend)
            # The modules' parts of the demo, for blueprints whose seed has them: lessons
            # first, then follows and cheers of the entries they made.
            learned = (
                load_learning_demo(database, blueprints_dir(), blueprint, extend=extend)
                if loaded["seed"]
                else None
            )
            social = (
                load_social_demo(database, blueprints_dir(), blueprint) if loaded["seed"] else None
            )
        except UnknownBlueprint as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(2) from None
    if not loaded["seed"]:
        typer.echo(
            f"demo: '{blueprint}' published as version {loaded['config_version']};"
            f" it has no demo data (no blueprints/{blueprint}.seed.yaml)"
        )
        return
    typer.echo(
        f"demo: '{blueprint}' published as version {loaded['config_version']}, "
        f"{loaded['items']} items, {loaded['events']} events processed"
    )
    if learned is not None:
        typer.echo(
            f"demo: course '{learned['course']}' ({learned['lessons']} lessons,"
            f" {learned['cards']} cards), {learned['players']} players with"
            f" {learned['attempts']} lesson attempts and {learned['reviews']} reviews;"
            f" {learned['events']} events processed"
        )
    if social is not None:
        typer.echo(f"demo: {social['follows']} follows and {social['cheers']} cheers")


@cli.command("import")
def import_events(
    file: Annotated[Path, typer.Argument(help="events as .ndjson (or .jsonl) or .csv")],
    app: Annotated[str, typer.Option(help="the app's id")] = "default",
    rejects: Annotated[
        Path | None, typer.Option(help="where rejected rows go (default: FILE.rejects.ndjson)")
    ] = None,
    chunk: Annotated[int, typer.Option(min=1, max=1000, help="events per transaction")] = 500,
    process: Annotated[
        bool,
        typer.Option(help="process the events as they go in (embedded) or tell the workers"),
    ] = True,
) -> None:
    """Load a history of events through the normal idempotent path. Interrupted, the
    same command carries on after the last committed chunk; run again when finished,
    every row is a duplicate and nothing is awarded twice."""
    from contextlib import nullcontext

    from pydantic import ValidationError

    from questline.api.events import EventIn
    from questline.composition import command_line_processing
    from questline.processing.ingest import NewEvent
    from questline.services.event_import import (
        ImportFileError,
        RowProblem,
        import_events,
    )

    def to_event(raw: dict[str, object]) -> NewEvent:
        try:
            return EventIn.model_validate(raw).to_new_event()
        except ValidationError as error:
            raise RowProblem(
                [
                    {"loc": list(e["loc"]), "message": e["msg"], "type": e["type"]}
                    for e in error.errors(include_url=False)
                ]
            ) from None

    if not file.is_file():
        typer.echo(f"no file {file}", err=True)
        raise typer.Exit(2)
    # Ctrl-C (or SIGTERM) ends the import after the chunk in hand; a second one at once.
    stopping = threading.Event()

    def stop_after_chunk(*_: object) -> None:
        if stopping.is_set():
            raise KeyboardInterrupt
        stopping.set()

    settings = get_settings()
    signal.signal(signal.SIGINT, stop_after_chunk)
    signal.signal(signal.SIGTERM, stop_after_chunk)
    with _database() as database:
        with database.reader() as session:
            app_id = _app(session, app).id
        processing = command_line_processing(database, settings) if process else nullcontext()
        try:
            with (
                processing as processor,
                typer.progressbar(
                    length=file.stat().st_size, label="import", file=sys.stderr
                ) as bar,
            ):
                summary = import_events(
                    database,
                    app_id,
                    file,
                    to_event=to_event,
                    process=processor,
                    rejects_path=rejects,
                    chunk_size=chunk,
                    progress=bar.update,
                    stop=stopping.is_set,
                )
        except ImportFileError as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(2) from None
    if summary.stopped:
        typer.echo(
            f"import: stopped after row {summary.rows:,}; run the same command again to carry on",
            err=True,
        )
        raise typer.Exit(130)
    if summary.resumed_after:
        typer.echo(f"import: carried on after row {summary.resumed_after:,}")
    typer.echo(
        f"import: {summary.rows:,} rows: {summary.accepted:,} accepted,"
        f" {summary.duplicates:,} duplicates, {summary.rejected:,} rejected"
        + (f"; {summary.processed:,} events processed" if summary.processed else "")
    )
    if summary.rejects_file is not None:
        for reason, count in summary.reasons.most_common(5):
            typer.echo(f"  {count:,} × {reason}")
        typer.echo(f"import: rejected rows and their reasons are in {summary.rejects_file}")


@cli.command()
def backfill(app: Annotated[str, typer.Option(help="the app's id")] = "default") -> None:
    """Award achievements players already qualify for under the current design (run it
    after publishing a version that adds an achievement or lowers a target)."""
    from questline.composition import extend_worker
    from questline.leaderboards.wiring import build_leaderboards, close_leaderboards
    from questline.processing.backfill import backfill_achievements
    from questline.processing.worker import Worker
    from questline.storage.apps import get_app

    with _database() as database:
        worker = Worker(database)
        extend_worker(worker, get_settings())  # rewards notify, as they do after a publish
        # With Redis, rewards that move a board are mirrored there too.
        reader = build_leaderboards(database, get_settings().redis_url, worker)
        try:
            with database.reader() as session:
                found = get_app(session, app)
                app_id = found.id if found is not None else None
            if app_id is None:
                typer.echo(f"there is no app '{app}'", err=True)
                raise typer.Exit(1)
            report = backfill_achievements(database, worker.designs, app_id, worker.project)
        finally:
            close_leaderboards(reader)
    typer.echo(
        f"backfill: design version {report.config_version}, {report.players} players,"
        f" {report.awarded} achievements awarded"
    )


@keys.command("create")
def create_key(
    scope: Annotated[list[Scope], typer.Option(help="repeat for several")],
    name: Annotated[str, typer.Option(help="what the key is for")] = "cli",
    app: Annotated[str, typer.Option(help="the app's id")] = "default",
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, help="the key stops working after this many days")
    ] = None,
) -> None:
    """Create an API key. The secret is printed once and never stored."""
    from datetime import UTC, datetime, timedelta

    from questline.storage import audit
    from questline.storage.apps import create_key as store_key

    expires_at = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
    with _database() as database, database.transaction() as session:
        found = _app(session, app)
        key, secret = store_key(
            session,
            found,
            name=name,
            scopes=sorted({s.value for s in scope}),
            expires_at=expires_at,
        )
        audit.record(
            session,
            "cli",
            "key.create",
            "key",
            key.id,
            after={"name": key.name, "scopes": key.scopes, "prefix": key.prefix},
            app_id=found.id,
        )
    typer.echo(secret)
    typer.echo(
        f"key {key.id} '{key.name}' ({key.prefix}…) for app '{app}':"
        " store it now, it is not shown again",
        err=True,
    )


@keys.command("list")
def list_keys(app: Annotated[str, typer.Option(help="the app's id")] = "default") -> None:
    """List an app's keys (never their secrets)."""
    from questline.storage.apps import keys_page

    with _database() as database, database.reader() as session:
        lines = []
        for key in session.scalars(keys_page(_app(session, app).id, after_id=None)):
            state = "revoked" if key.revoked_at else "active"
            used = key.last_used_at.isoformat() if key.last_used_at else "never"
            lines.append(
                f"{key.id}\t{key.prefix}…\t{key.name}\t{','.join(key.scopes)}\t{state}\tused {used}"
            )
    for line in lines:
        typer.echo(line)


@keys.command("revoke")
def revoke(
    key_id: Annotated[int, typer.Argument(help="the key's id (from `keys list`)")],
    app: Annotated[str, typer.Option(help="the app's id")] = "default",
) -> None:
    """Revoke a key: it stops working at once."""
    from datetime import UTC, datetime

    from questline.storage import audit
    from questline.storage.apps import get_key, revoke_key

    with _database() as database, database.transaction() as session:
        found = _app(session, app)
        key = get_key(session, found.id, key_id)
        if key is None:
            typer.echo(f"app '{app}' has no key {key_id}", err=True)
            raise typer.Exit(1)
        if key.revoked_at is None:
            revoke_key(key, datetime.now(UTC))
            audit.record(session, "cli", "key.revoke", "key", key.id, app_id=found.id)
    typer.echo(f"key {key_id} revoked")


@apps.command("create")
def create_app(
    slug: Annotated[str, typer.Argument(help="the app's id: lower-case letters, digits, dashes")],
    name: Annotated[str | None, typer.Option(help="a name people read")] = None,
) -> None:
    """Create an app (a tenant)."""
    import re

    from questline.errors import Conflict
    from questline.storage import audit
    from questline.storage.apps import create_app as store_app

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", slug):
        typer.echo("an app id is 1-63 lower-case letters, digits and dashes", err=True)
        raise typer.Exit(2)
    with _database() as database:
        try:
            with database.transaction() as session:
                app = store_app(session, slug, name or slug.title())
                audit.record(session, "cli", "app.create", "app", slug, app_id=app.id)
        except Conflict as error:
            typer.echo(error.detail, err=True)
            raise typer.Exit(1) from None
    typer.echo(f"app '{slug}' created")


@apps.command("list")
def list_apps() -> None:
    """List the apps this server hosts."""
    from sqlalchemy import select

    from questline.storage.models import App

    with _database() as database, database.reader() as session:
        rows = [(app.slug, app.name) for app in session.scalars(select(App).order_by(App.id))]
    for slug, name in rows:
        typer.echo(f"{slug}\t{name}")


@apps.command("settings")
def app_settings(
    app: Annotated[str, typer.Argument(help="the app's id")],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="FIELD=VALUE",
            help="change one setting (repeat for several); a list as JSON, e.g."
            """ 'cors_origins=["https://game.example.com"]'""",
        ),
    ] = None,
    unset: Annotated[
        list[str] | None, typer.Option(metavar="FIELD", help="put one setting back to its default")
    ] = None,
) -> None:
    """Show an app's access settings, or change them without the API (to recover an app
    whose limits refuse its own administrators). Servers apply a change within 10 s."""
    import json

    from pydantic import ValidationError

    from questline.storage.apps import AppSettings, replace_settings

    with _database() as database, database.transaction() as session:
        found = _app(session, app)
        current = AppSettings.stored(found.settings)
        if set_ or unset:
            changed = current.model_dump(mode="json", exclude_defaults=True)
            for field in unset or []:
                changed.pop(field, None)
            for assignment in set_ or []:
                field, sep, value = assignment.partition("=")
                if not sep:
                    typer.echo(f"--set {assignment}: write FIELD=VALUE", err=True)
                    raise typer.Exit(2)
                changed[field.strip()] = _setting_value(value)
            try:
                wanted = AppSettings.model_validate(changed)
            except ValidationError as error:
                for problem in error.errors():
                    where = ".".join(map(str, problem["loc"]))
                    typer.echo(f"{where}: {problem['msg']}", err=True)
                raise typer.Exit(2) from None
            current = replace_settings(session, found, wanted, "cli")
    typer.echo(json.dumps(current.model_dump(mode="json"), indent=2))


def _setting_value(text: str) -> object:
    """A value given on the command line: JSON if it reads as JSON (a list, null, a
    number), else the text itself (``600/minute``)."""
    import json

    try:
        return json.loads(text)
    except ValueError:
        return text


@users.command("create")
def create_user(
    email: Annotated[str, typer.Argument(help="the user's email, their sign-in name")],
    role: Annotated[Role, typer.Option(help="their role in the app")],
    app: Annotated[str, typer.Option(help="the app's id")] = "default",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
) -> None:
    """Create a console user (or give an existing one a role in another app)."""
    import sys

    from questline.auth.passwords import hash_password
    from questline.storage import audit
    from questline.storage.users import create_user as store_user
    from questline.storage.users import find_user, set_role

    with _database() as database, database.transaction() as session:
        found = _app(session, app)
        user = find_user(session, email)
        if user is None:
            if password_stdin:
                password = sys.stdin.readline().rstrip("\r\n")
            elif not sys.stdin.isatty():
                # A prompt would echo nothing and read the pipe with a warning.
                typer.echo(
                    "standard input is not a terminal: to pipe the password, add --password-stdin",
                    err=True,
                )
                raise typer.Exit(2)
            else:
                password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
            if len(password) < 12:
                typer.echo("a password has at least 12 characters", err=True)
                raise typer.Exit(2)
            user = store_user(session, email, hash_password(password))
        before = set_role(session, user, found.id, role)
        audit.record(
            session,
            "cli",
            "user.role",
            "user",
            user.email,
            before={"role": before.value} if before else None,
            after={"role": role.value},
            app_id=found.id,
        )
    typer.echo(f"{email} is {role.value} of app '{app}'")


def _app(session: Session, slug: str) -> App:
    from questline.storage.apps import DEFAULT_APP, ensure_app, get_app

    if slug == DEFAULT_APP:
        return ensure_app(session, DEFAULT_APP, "Default app")
    app = get_app(session, slug)
    if app is None:
        typer.echo(f"no app '{slug}': create it with `questline apps create {slug}`", err=True)
        raise typer.Exit(1)
    return app


@rebuild.command("leaderboards")
def rebuild_leaderboards() -> None:
    """Refill Redis with every current leaderboard from the database."""
    from questline.leaderboards.redis import RebuildInProgress, RedisLeaderboardStore
    from questline.leaderboards.redis import rebuild as refill
    from questline.leaderboards.sql import SqlLeaderboardStore

    settings = get_settings()
    if not settings.redis_url:
        typer.echo("leaderboards live in the database (no QUESTLINE_REDIS_URL): nothing to do")
        return
    with _database() as database:
        store = RedisLeaderboardStore(settings.redis_url, SqlLeaderboardStore(database))
        try:
            written = refill(store, database)
        except RebuildInProgress as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(1) from None
        finally:
            store.close()
    typer.echo(f"leaderboards rebuilt in Redis: {written} scores")


@rebuild.command("analytics")
def rebuild_analytics(
    app: Annotated[str, typer.Option(help="the app's id")] = "default",
) -> None:
    """Recompute an app's analytics rollups from the event log (after an upgrade, or a
    change of its time zone), then its distributions. Processing waits meanwhile."""
    from questline.analytics.rebuild import rebuild as rebuild_rollups
    from questline.analytics.snapshots import refresh
    from questline.processing.designs import DesignCache

    with _database() as database:
        with database.transaction() as session:
            app_id = _app(session, app).id
        report = rebuild_rollups(database, app_id)
        refresh(database, DesignCache(), app_id)
    typer.echo(
        f"analytics of app '{app}' rebuilt: {report.events} events of {report.players} players"
    )


@leaderboards.command("archive")
def archive_leaderboards() -> None:
    """Finalize the leaderboard runs that have ended and move rolling windows (a periodic
    job; safe to repeat)."""
    from questline.leaderboards.archive import archive_ended_runs
    from questline.leaderboards.rolling import move_rolling_windows
    from questline.leaderboards.wiring import build_leaderboards, close_leaderboards

    settings = get_settings()
    with _database() as database:
        reader = build_leaderboards(database, settings.redis_url)
        try:
            archived = archive_ended_runs(database, reader.store)
            moved = move_rolling_windows(database, reader.store)
        finally:
            close_leaderboards(reader)
    for run in archived:
        typer.echo(f"app {run.app_id}: {run.board} {run.run} final with {run.players} players")
    typer.echo(f"{len(archived)} run(s) archived")
    for window in moved:
        typer.echo(
            f"app {window.app_id}: {window.board} dropped {', '.join(window.days_out)}"
            f" ({window.players} players)"
        )


@leagues.command("rollover")
def rollover_leagues() -> None:
    """Settle the league groups whose week is over (a periodic job; safe to repeat)."""
    from questline.leagues.rollover import rollover_leagues as rollover

    with _database() as database:
        outcomes = rollover(database)
    counts = {"promoted": 0, "demoted": 0, "stayed": 0}
    for outcome in outcomes:
        counts[outcome.kind.removeprefix("league_")] += 1
    typer.echo(
        f"{len(outcomes)} player(s) settled: {counts['promoted']} promoted,"
        f" {counts['demoted']} demoted, {counts['stayed']} stayed"
    )


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
