"""The `questline` command: serve, migrate, apply, demo, keys."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from questline.auth.keys import Scope
from questline.engine.compiler import DesignError
from questline.settings import get_settings
from questline.storage.database import Database

cli = typer.Typer(help="Questline: a self-hostable gamification engine.", no_args_is_help=True)
keys = typer.Typer(help="API keys.", no_args_is_help=True)
cli.add_typer(keys, name="keys")
rebuild = typer.Typer(help="Recompute derived state from the database.", no_args_is_help=True)
cli.add_typer(rebuild, name="rebuild")
leaderboards = typer.Typer(help="Leaderboard runs.", no_args_is_help=True)
cli.add_typer(leaderboards, name="leaderboards")
leagues = typer.Typer(help="Weekly leagues.", no_args_is_help=True)
cli.add_typer(leagues, name="leagues")


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
) -> None:
    """Serve the API (with the embedded worker unless QUESTLINE_EMBEDDED_WORKER=false)."""
    import uvicorn

    from questline.api.app import create_app
    from questline.processing.dispatch import relax_garbage_collection

    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the start-up schema check
    relax_garbage_collection()
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level,
        timeout_graceful_shutdown=30,
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
    database = _database()
    store = RedisLeaderboardStore(settings.redis_url, SqlLeaderboardStore(database))
    try:
        written = refill(store, database)
    except RebuildInProgress as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    finally:
        store.close()
        database.dispose()
    typer.echo(f"leaderboards rebuilt in Redis: {written} scores")


@leaderboards.command("archive")
def archive_leaderboards() -> None:
    """Finalize the leaderboard runs that have ended and move rolling windows (a periodic
    job; safe to repeat)."""
    from questline.leaderboards.archive import archive_ended_runs
    from questline.leaderboards.rolling import move_rolling_windows
    from questline.leaderboards.wiring import build_leaderboards, close_leaderboards

    settings = get_settings()
    database = _database()
    reader = build_leaderboards(database, settings.redis_url)
    try:
        archived = archive_ended_runs(database, reader.store)
        moved = move_rolling_windows(database, reader.store)
    finally:
        close_leaderboards(reader)
        database.dispose()
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

    database = _database()
    try:
        outcomes = rollover(database)
    finally:
        database.dispose()
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
