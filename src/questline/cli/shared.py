"""What every command shares: the configured database, an app by its id, logging."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy.orm import Session

from questline.settings import Settings, get_settings
from questline.storage.database import Database
from questline.storage.models import App


@contextmanager
def open_database() -> Iterator[Database]:
    """The configured database, disposed of when the command is done with it."""
    settings = get_settings()
    found = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        yield found
    finally:
        found.dispose()


def app_named(session: Session, slug: str) -> App:
    """The app with this id (the default one is made on first use); a missing one ends
    the command with a line saying how to create it."""
    from questline.storage.apps import DEFAULT_APP, ensure_app, get_app

    if slug == DEFAULT_APP:
        return ensure_app(session, DEFAULT_APP, "Default app")
    app = get_app(session, slug)
    if app is None:
        typer.echo(f"no app '{slug}': create it with `questline apps create {slug}`", err=True)
        raise typer.Exit(1)
    return app


def configure_logging(settings: Settings) -> None:
    from questline.logs import configure_logging as configure

    configure(settings.log_level, settings.log_format)


def distributed_settings() -> Settings:
    """The settings, if they name a Redis server; otherwise the command ends saying so."""
    settings = get_settings()
    if settings.redis_url is None:
        typer.echo(
            "set QUESTLINE_REDIS_URL (and a PostgreSQL QUESTLINE_DATABASE_URL) to run"
            " distributed; embedded mode processes events inside `questline serve`",
            err=True,
        )
        raise typer.Exit(2)
    return settings
