"""Request values several resources share, each with its rule written once: the ids a
host app gives players, items and events, and the times it sends."""

from __future__ import annotations

import re
import time
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Query
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, StringConstraints

# Characters that render as nothing, or rearrange the text around them, let two ids that
# look alike on a leaderboard be two players: control characters (Cc), format characters
# (Cf: bidi overrides and isolates, zero-width spaces and joiners, the byte-order mark),
# lone surrogates (Cs) and separators other than the ASCII space (Zs, Zl, Zp).
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})


def identifier_problem(value: str) -> str | None:
    """Why `value` cannot be an id, or None if it can."""
    if value in {".", ".."}:
        return f"'{value}' cannot be an id: a URL path would read it as a directory step"
    if value.isprintable():  # the common case, in C; it also refuses what is allowed below
        return None
    for position, character in enumerate(value, start=1):
        if unicodedata.category(character) in _INVISIBLE:
            name = unicodedata.name(character, "a control character")
            return (
                f"character {position} is {name} (U+{ord(character):04X}), which is invisible"
                " or reorders text; ids may hold only visible characters"
            )
    return None  # private-use and unassigned code points render visibly


def _identifier(value: str) -> str:
    problem = identifier_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


# No "/" so that every id can be used in a URL path as it is.
Identifier = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=r"^[^\s/]+$"),
    AfterValidator(_identifier),
]


def _avatar_url(value: str) -> str:
    # Shown by clients as an image source: a web address only (no `javascript:` or
    # `data:`), and nothing invisible that could make two look alike.
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("an avatar is an http(s) URL, such as https://cdn.example.com/ada.png")
    if not value.isprintable():
        raise ValueError("an avatar URL may hold only visible characters")
    return value


AvatarUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2000, pattern=r"^\S+$"),
    AfterValidator(_avatar_url),
]
"""A picture of a player as a web address, stored as sent."""

# Times are checked in UTC: local times near the ends of the calendar overflow when
# converted, and years before 1000 cannot be stored as the text SQLite keeps.
EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(9999, 1, 1, tzinfo=UTC)
EVENT_FUTURE_LIMIT = timedelta(days=30)
_DATE_TIME_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]")


def _text_only(value: Any) -> Any:
    # In lax mode pydantic reads 0, 1.5 and "1700000000" as Unix timestamps.
    if isinstance(value, datetime) or (isinstance(value, str) and _DATE_TIME_TEXT.match(value)):
        return value
    raise ValueError("a time is RFC 3339 text with a zone, such as 2026-11-21T16:35:51Z")


def _in_utc(value: datetime) -> datetime:
    """The time in UTC, if it lies in the range every time must. (Once in UTC, later work
    with it is cheaper too: pydantic's own zone objects are slow to ask.)"""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # before year 1 or after 9999 once in UTC
        utc = None
    if utc is None or not EARLIEST_TIME <= utc < LATEST_TIME:
        raise ValueError("a time must be from 2000-01-01T00:00:00Z to before 9999-01-01T00:00:00Z")
    return utc


def _event_time(value: datetime) -> datetime:
    utc = _in_utc(value)
    if utc.timestamp() > time.time() + EVENT_FUTURE_LIMIT.total_seconds():
        raise ValueError(
            f"an event's time may be at most {EVENT_FUTURE_LIMIT.days} days after the"
            " server's clock"
        )
    return utc


Instant = Annotated[AwareDatetime, BeforeValidator(_text_only), AfterValidator(_in_utc)]
"""A time sent as RFC 3339 text with a zone, from 2000 to 9998 in UTC; kept in UTC."""

EventTime = Annotated[AwareDatetime, BeforeValidator(_text_only), AfterValidator(_event_time)]
"""When something happened: an `Instant` at most 30 days ahead of the server's clock."""

# `?locale=`: names in that language, else the player's, else the design's default
# (`engine.mechanics.reading_locale`).
Locale = Annotated[
    str | None, Query(max_length=35, description="e.g. `es` or `pt-BR`; default: the player's")
]
