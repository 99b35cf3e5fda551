"""Plain data the engine reads: a player's state and one event."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from questline.engine.expressions import Value

# Counter keys are namespaced so that one table can hold them all.
METRIC = "metric:"
EARNED_TODAY = "earned:"
RULE = "rule:"
RULE_EARNED = "rule-earned:"  # what one rule awarded of one currency, for its limit's max
QUEST = "quest:"  # progress of one objective: quest:<quest>.<metric>
QUEST_DONE = "quest-done:"

CounterKey = tuple[str, str]  # (key, period key) e.g. ("metric:passed", "w:2026-W47")
# Storage keeps counter keys to this length.
COUNTER_KEY_LENGTH = 120


def rule_earned_key(rule: str, currency: str) -> str:
    """The counter of what `rule` awarded of `currency`. A rule id and a currency key
    may be long enough together to pass the stored key's length: such a pair is named
    by a digest of the two instead, the same in every process."""
    key = f"{RULE_EARNED}{rule}:{currency}"
    if len(key) <= COUNTER_KEY_LENGTH:
        return key
    digest = hashlib.blake2b(f"{rule}:{currency}".encode(), digest_size=16).hexdigest()
    return f"{RULE_EARNED}#{digest}"


@dataclass(slots=True)
class Balance:
    balance: int = 0
    earned: int = 0  # lifetime total of positive awards; levels are computed from it


@dataclass(slots=True)
class Item:
    key: str
    kind: str
    attributes: Mapping[str, Value]


@dataclass(slots=True)
class Event:
    seq: int
    type: str
    occurred_at: datetime
    time_zone: str  # the player's zone when the event happened
    properties: Mapping[str, Value]
    item: Item | None = None


@dataclass(slots=True, frozen=True)
class StreakState:
    """One streak of one player. Periods are named by their first local date (the day
    itself, or the Monday of an ISO week)."""

    current: int = 0
    longest: int = 0
    started_on: date | None = None
    last_on: date | None = None  # the last period counted
    last_zone: str | None = None  # the zone it was counted in
    freezes: int = 0
    since_grant: int = 0  # periods extended since the last auto-granted freeze
    broken_length: int = 0  # the last streak that broke, kept for an admin restore
    broken_started_on: date | None = None


@dataclass(frozen=True, slots=True)
class BoostWindow:
    """One activation of a boost (engine/boosts.py): its factors by currency as they were
    when it started — a design changed later does not change what was bought — and when
    it runs."""

    boost: str
    factors: Mapping[str, Decimal]
    starts_at: datetime
    ends_at: datetime

    def active_at(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


AwardKey = tuple[str, str, str]  # (achievement, tier or "", period key)


@dataclass
class PlayerState:
    """What the engine needs of one player. Counters hold only the periods loaded."""

    player: str
    balances: dict[str, Balance] = field(default_factory=dict)
    counters: dict[CounterKey, int] = field(default_factory=dict)
    rule_fired_at: dict[str, datetime] = field(default_factory=dict)
    # Awards held in the periods loaded (always "all", and the event's day and week).
    awards: set[AwardKey] = field(default_factory=set)
    streaks: dict[str, StreakState] = field(default_factory=dict)
    quest_joins: dict[str, datetime] = field(default_factory=dict)
    # Boost windows that had not ended when the earliest event being processed happened.
    boosts: tuple[BoostWindow, ...] = ()

    def balance(self, currency: str) -> Balance:
        return self.balances.get(currency, Balance())

    def counter(self, key: str, period: str) -> int:
        return self.counters.get((key, period), 0)

    def streak(self, key: str) -> StreakState:
        return self.streaks.get(key) or StreakState()

    def copy(self) -> PlayerState:
        return PlayerState(
            self.player,
            dict(self.balances),
            dict(self.counters),
            dict(self.rule_fired_at),
            set(self.awards),
            dict(self.streaks),
            dict(self.quest_joins),
            self.boosts,
        )
