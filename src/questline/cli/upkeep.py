"""Upkeep: rebuild derived state, archive leaderboard runs, settle leagues."""

from __future__ import annotations

from typing import Annotated

import typer

from questline.cli.root import cli
from questline.cli.shared import app_named, open_database
from questline.settings import get_settings

rebuild = typer.Typer(help="Recompute derived state from the database.", no_args_is_help=True)
cli.add_typer(rebuild, name="rebuild")
leaderboards = typer.Typer(help="Leaderboard runs.", no_args_is_help=True)
cli.add_typer(leaderboards, name="leaderboards")
leagues = typer.Typer(help="Weekly leagues.", no_args_is_help=True)
cli.add_typer(leagues, name="leagues")


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
    with open_database() as database:
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

    with open_database() as database:
        with database.transaction() as session:
            app_id = app_named(session, app).id
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
    with open_database() as database:
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

    with open_database() as database:
        outcomes = rollover(database)
    counts = {"promoted": 0, "demoted": 0, "stayed": 0}
    for outcome in outcomes:
        counts[outcome.kind.removeprefix("league_")] += 1
    typer.echo(
        f"{len(outcomes)} player(s) settled: {counts['promoted']} promoted,"
        f" {counts['demoted']} demoted, {counts['stayed']} stayed"
    )
