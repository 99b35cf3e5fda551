"""An app's history: import events, award what players already qualify for."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from questline.cli.root import cli
from questline.cli.shared import app_named, open_database
from questline.settings import get_settings


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

    from questline.api.event_schemas import EventIn
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
    with open_database() as database:
        with database.reader() as session:
            app_id = app_named(session, app).id
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

    with open_database() as database:
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
