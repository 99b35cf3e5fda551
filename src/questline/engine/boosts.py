"""Timed boosts: when one starts, and what it does to an award while it is active.

The stacking rule, in one place:
- The same boost started again while it is active (or already queued) does not multiply
  again: the new window starts when the last one of that boost ends, so two 15-minute
  double-XP boosts give 30 minutes of ×2, not 15 minutes of ×4.
- Different boosts that multiply the same currency multiply each other (×2 and ×1.5 give
  ×3), each shown as its own line of the award's breakdown, in the order of their keys.
- A boost multiplies a rule's award after the rule's own `multiply` and `add` and before
  rounding, the daily cap and the currency's bounds; it multiplies positive awards only
  (never a penalty), and never rewards, grants, purchases or refunds.
- Whether a boost applies is decided by the event's own time: an event that happened
  while the boost was active is boosted even if it is processed later, and one that
  happened before the boost started or after it ended is not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from questline.engine.expressions import plain_value
from questline.engine.mechanics import localize
from questline.engine.periods import zone
from questline.engine.shop import Boost
from questline.engine.state import BoostWindow

__all__ = ["BoostWindow", "activate", "boost_name", "multiply"]


def activate(
    key: str, spec: Boost, held: Sequence[BoostWindow], now: datetime, times: int = 1
) -> BoostWindow:
    """The window of `times` activations of a boost started at `now`, queued after any
    window of the same boost that has not ended."""
    start = max([now, *(w.ends_at for w in held if w.boost == key)])
    length = timedelta(minutes=spec.duration_minutes * times)
    return BoostWindow(key, dict(spec.multiply), start, start + length)


def boost_name(key: str, boosts: Mapping[str, Boost], locale: str, default: str) -> str:
    """The boost's name in `locale` (chosen by `reading_locale`), else the design's
    `default` locale; its key when it has none (or the design no longer declares it)."""
    spec = boosts.get(key)
    return (localize(spec.name, locale, default) if spec is not None else None) or key


def multiply(
    amount: Decimal,
    currency: str,
    windows: Sequence[BoostWindow],
    at: datetime,
    time_zone: str,
    boosts: Mapping[str, Boost],
    default_locale: str,
) -> tuple[Decimal, list[dict[str, Any]]]:
    """`amount` of `currency` earned at `at` with every boost active then applied, and
    one breakdown step per boost. A step names its boost in the design's default locale:
    an award is worked out from the event alone (a replay gives the same breakdown), and
    an event does not carry the player's locale."""
    if amount <= 0:
        return amount, []
    active: dict[str, BoostWindow] = {}
    for window in windows:
        if currency in window.factors and window.active_at(at):
            active.setdefault(window.boost, window)
    steps: list[dict[str, Any]] = []
    for key in sorted(active):
        window = active[key]
        factor = window.factors[currency]
        amount = amount * factor
        steps.append(
            {
                "step": "boost",
                "boost": key,
                "name": boost_name(key, boosts, default_locale, default_locale),
                "by": plain_value(factor),
                "until": window.ends_at.astimezone(zone(time_zone)).isoformat(),
                "result": plain_value(amount),
            }
        )
    return amount, steps
