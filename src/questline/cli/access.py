"""Who may do what: API keys, apps and their settings, console users."""

from __future__ import annotations

from typing import Annotated

import typer

from questline.auth.keys import Scope
from questline.auth.policy import Role
from questline.cli.root import cli
from questline.cli.shared import app_named, open_database

keys = typer.Typer(help="API keys.", no_args_is_help=True)
cli.add_typer(keys, name="keys")
apps = typer.Typer(help="Apps (tenants).", no_args_is_help=True)
cli.add_typer(apps, name="apps")
users = typer.Typer(help="Console users.", no_args_is_help=True)
cli.add_typer(users, name="users")


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
    with open_database() as database, database.transaction() as session:
        found = app_named(session, app)
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

    with open_database() as database, database.reader() as session:
        lines = []
        for key in keys_page(session, app_named(session, app).id, after_id=None):
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

    with open_database() as database, database.transaction() as session:
        found = app_named(session, app)
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
    with open_database() as database:
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

    with open_database() as database, database.reader() as session:
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

    with open_database() as database, database.transaction() as session:
        found = app_named(session, app)
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

    with open_database() as database, database.transaction() as session:
        found = app_named(session, app)
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
