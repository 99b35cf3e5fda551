"""Game designs: publish a file, move a bundle between servers, load a demo."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from questline.cli.root import cli
from questline.cli.shared import app_named, open_database
from questline.engine.compiler import DesignError
from questline.settings import get_settings
from questline.storage.database import Database

if TYPE_CHECKING:
    from questline.services.bundles import Bundle


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
    with open_database() as database:
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
    with open_database() as database:
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

    with open_database() as database, database.reader() as session:
        bundle = export_bundle(session, app_named(session, app).id, app)
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

    with open_database() as database:
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
