"""Keyset pages: a list reads one row more than it shows, and that row says whether
another page follows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

T = TypeVar("T")
K = TypeVar("K")


def split_page(rows: Sequence[T], limit: int, key: Callable[[T], K]) -> tuple[list[T], K | None]:
    """The rows a page of `limit` shows, out of `rows` read as `limit + 1`, and the key of
    its last row when the extra row came back (the next page starts after it), else None."""
    shown = list(rows[:limit])
    return shown, key(shown[-1]) if len(rows) > limit else None


def read_page(
    session: Session, statement: Select[tuple[T]], limit: int, key: Callable[[T], K]
) -> tuple[list[T], K | None]:
    """`split_page` of the first column of `statement`, read as `limit + 1` rows."""
    return split_page(list(session.scalars(statement.limit(limit + 1))), limit, key)
