"""Every migration can be undone: its downgrade leaves the schema exactly as the revision
before it built it, on SQLite and on PostgreSQL. An operator rolling back a release runs
`alembic downgrade` to the revision the older Questline knows; these keep that working."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.command import downgrade, upgrade
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, inspect

from questline.storage.models import Base
from questline.storage.schema import alembic_config, current_revision


def _revisions() -> list[str]:
    """From the first to the newest."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def _step(engine: Engine, command: Any, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command(config, revision)


def _schema(engine: Engine) -> dict[str, Any]:
    """What a table holds and how it is keyed and indexed, comparable across runs."""
    with engine.connect() as connection:
        found = inspect(connection)
        return {
            table: {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                    for c in found.get_columns(table)
                ],
                "primary key": found.get_pk_constraint(table)["constrained_columns"],
                "foreign keys": sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"])
                    for f in found.get_foreign_keys(table)
                ),
                "indexes": sorted(
                    (i["name"] or "", tuple(map(str, i["column_names"])), bool(i["unique"]))
                    for i in found.get_indexes(table)
                ),
                "unique": sorted(
                    tuple(u["column_names"]) for u in found.get_unique_constraints(table)
                ),
            }
            for table in sorted(found.get_table_names())
            if table != "alembic_version"
        }


def _matches_the_models(connection: Connection) -> list[Any]:
    differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # The rank index orders by an expression, which autogenerate cannot compare.
    return [d for d in differences if d[1].name != "ix_leaderboard_scores_rank"]


def test_each_downgrade_restores_the_schema_of_the_revision_before(
    empty_database_url: str,
) -> None:
    engine = create_engine(empty_database_url)
    try:
        revisions = _revisions()
        built = {}
        for revision in revisions:
            _step(engine, upgrade, revision)
            built[revision] = _schema(engine)
        for later, earlier in reversed(list(zip(revisions[1:], revisions, strict=False))):
            assert current_revision(engine) == later
            _step(engine, downgrade, earlier)
            assert _schema(engine) == built[earlier], f"downgrade {later} -> {earlier}"
        _step(engine, downgrade, "base")
        assert current_revision(engine) is None
        assert _schema(engine) == {}

        # And up again, to the schema the models describe.
        _step(engine, upgrade, "head")
        with engine.connect() as connection:
            assert _matches_the_models(connection) == []
    finally:
        engine.dispose()
