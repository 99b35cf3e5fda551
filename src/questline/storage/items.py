"""Catalog items: what events can refer to (an exercise, a challenge, a lesson)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from questline.storage.models import Item


def get_item(
    session: Session, app_id: int, key: str, *, include_deleted: bool = False
) -> Item | None:
    statement = select(Item).where(Item.app_id == app_id, Item.key == key)
    if not include_deleted:
        statement = statement.where(Item.deleted_at.is_(None))
    return session.scalar(statement)


def list_items(
    session: Session, app_id: int, *, kind: str | None, after_id: int | None, limit: int
) -> list[Item]:
    """A page of the catalog's live items, oldest first."""
    statement = select(Item).where(Item.app_id == app_id, Item.deleted_at.is_(None))
    if kind is not None:
        statement = statement.where(Item.kind == kind)
    if after_id is not None:
        statement = statement.where(Item.id > after_id)
    return list(session.scalars(statement.order_by(Item.id).limit(limit)))
