"""Rate limits as settings write them (``600/minute``, ``10 per 15 minutes``), and the
lowest one a caller may be held to."""

from __future__ import annotations

import limits


def parse_limit(text: str) -> limits.RateLimitItem:
    """``600/minute`` or ``10 per 15 minutes``; ValueError if it is neither."""
    return limits.parse(text)


# The lowest request rate a key, user or player may be limited to. A limit of nothing
# (``0/minute``) or next to nothing would let an app shut every client out, its own
# administrators included.
REQUEST_LIMIT_FLOOR = "10/minute"
_FLOOR = limits.parse(REQUEST_LIMIT_FLOOR)


def below_floor(limit: limits.RateLimitItem) -> bool:
    """Whether ``limit`` allows fewer requests, on average, than the floor."""
    return limit.amount * _FLOOR.get_expiry() < _FLOOR.amount * limit.get_expiry()


def parse_request_limit(text: str) -> limits.RateLimitItem:
    """A per-caller request limit: ``parse_limit``, and no lower than the floor."""
    limit = parse_limit(text)
    if below_floor(limit):
        raise ValueError(
            f"'{text}' is below the lowest limit allowed, {REQUEST_LIMIT_FLOOR}"
            " (or the same rate over another window, such as 600/hour)"
        )
    return limit


def applied_limit(text: str) -> limits.RateLimitItem:
    """The limit enforced for a stored setting: the floor if it is lower (a setting
    stored before the floor existed must not keep an app shut out)."""
    limit = parse_limit(text)
    return _FLOOR if below_floor(limit) else limit
