"""How a list answers page by page: `limit` and `cursor` in, `next_cursor` out.

A cursor is the opaque form of the key a storage page stops at (see
``questline.storage.pages``); a client only hands back what it was given.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator

from questline.errors import InvalidInput


def encode_cursor(value: int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidInput(
            "the cursor is not one this server gave out",
            errors=[{"loc": ["query", "cursor"], "message": "invalid cursor"}],
        ) from None


def cursor_after(key: int | None) -> str | None:
    """A list's `next_cursor`: the page after `key`, or null when no page follows."""
    return encode_cursor(key) if key is not None else None


Limit = Annotated[int, Query(ge=1, le=500, description="page size")]


def _absent_if_empty(value: str | None) -> str | None:
    return value or None


# `cursor=` (empty, as a client that builds its URL from a null `next_cursor` sends it)
# asks for the first page, as no cursor does.
Cursor = Annotated[
    str | None,
    AfterValidator(_absent_if_empty),
    Query(description="`next_cursor` from the previous page; empty or absent: the first page"),
]
