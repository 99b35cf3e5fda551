"""Schema versions: upgrade with Alembic, and refuse to run on a schema we don't match."""

from __future__ import annotations

from pathlib import Path

from alembic.command import upgrade
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from questline.errors import SchemaMismatch

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine) -> tuple[str | None, str]:
    """Upgrade to the newest schema; returns (before, after)."""
    before = current_revision(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        upgrade(config, "head")
    return before, head_revision()


def check_schema(engine: Engine) -> None:
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaMismatch(
            "the database has no Questline schema yet: run `questline migrate` first"
        )
    known = {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }
    if current not in known:
        raise SchemaMismatch(
            f"the database schema ({current}) is newer than this Questline knows "
            f"(newest known: {head}): upgrade Questline before starting it"
        )
    raise SchemaMismatch(
        f"the database schema ({current}) is older than this Questline's ({head}): "
        "run `questline migrate`"
    )
