"""INSERT … ON CONFLICT for both dialects (their statements differ only by import)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from questline.storage.models import Base


def table_of(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def dialect_insert(session: Session, model: type[Base]) -> Any:
    table = table_of(model)
    name = session.get_bind().dialect.name
    return postgresql.insert(table) if name == "postgresql" else sqlite.insert(table)


def upsert(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    if not rows:
        return
    statement = dialect_insert(session, model)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={column: statement.excluded[column] for column in update}
    )
    session.execute(statement, list(rows))


def insert_ignoring_conflicts(session: Session, model: type[Base], keys: Sequence[str]) -> Insert:
    statement: Insert = dialect_insert(session, model).on_conflict_do_nothing(
        index_elements=list(keys)
    )
    return statement
