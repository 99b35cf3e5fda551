"""A player's memory of one card, scheduled by FSRS-6 (the `fsrs` package's Scheduler).

A card's memory state is a fold of its reviews in time order, like a balance is of the
ledger: `MemoryModel.review` takes the state before a review and returns the state after
it. Questline's states are the `fsrs` package's own (Learning, Review, Relearning), plus
`NEW` for a card met but never reviewed.

Fuzz: FSRS spreads review intervals a little so that cards learned together do not fall
due together forever. The `fsrs` package draws the spread from the process-wide random
generator; here it is drawn from the review's own key, so a state can be recomputed from
its reviews (a late review replays the card's log) and comes out the same. The range is
the package's (`FUZZ_RANGES`); with fuzz off, every state equals the package's to the bit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State
from fsrs.scheduler import FUZZ_RANGES


class CardState(IntEnum):
    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Memory:
    state: CardState
    step: int | None = None
    stability: float | None = None  # days until recall falls to 90 %
    difficulty: float | None = None  # 1 (easy) … 10 (hard)
    due: datetime | None = None  # None while new
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0  # times forgotten (Again) once in review


NEW = Memory(CardState.NEW)


@dataclass(frozen=True, slots=True)
class MemorySettings:
    desired_retention: float = 0.9
    maximum_interval: int = 36500  # days
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),)
    fuzz: bool = True


class MemoryModel:
    """FSRS with one app's settings."""

    def __init__(self, settings: MemorySettings) -> None:
        self.settings = settings
        self.scheduler = Scheduler(
            desired_retention=settings.desired_retention,
            learning_steps=settings.learning_steps,
            relearning_steps=settings.relearning_steps,
            maximum_interval=settings.maximum_interval,
            enable_fuzzing=False,  # drawn from the review's key instead, below
        )

    def review(self, memory: Memory, rating: int, at: datetime, key: str) -> Memory:
        """The state after a review rated `rating` (1 again, 2 hard, 3 good, 4 easy) at
        `at`; `key` (the review's id) seeds the fuzz."""
        at = at.astimezone(UTC)
        before = _fsrs_card(memory)
        after, _ = self.scheduler.review_card(before, Rating(rating), at)
        due = after.due
        if self.settings.fuzz and after.state is State.Review:
            due = at + timedelta(days=self._fuzzed_days((due - at).days, key))
        lapsed = memory.state is CardState.REVIEW and rating == Rating.Again
        return Memory(
            state=CardState(int(after.state)),
            step=after.step,
            stability=after.stability,
            difficulty=after.difficulty,
            due=due,
            last_review=at,
            reps=memory.reps + 1,
            lapses=memory.lapses + (1 if lapsed else 0),
        )

    def retrievability(self, memory: Memory, at: datetime) -> float:
        """The chance of recalling the card at `at` (0 for a card never reviewed)."""
        if memory.state is CardState.NEW:
            return 0.0
        return float(self.scheduler.get_card_retrievability(_fsrs_card(memory), at))

    def _fuzzed_days(self, days: int, key: str) -> int:
        # The package's own range for an interval of `days` days (fsrs.scheduler,
        # _get_fuzzed_interval), drawn from a hash of the key rather than random().
        if days < 2.5:
            return days
        delta = 1.0
        for band in FUZZ_RANGES:
            delta += band["factor"] * max(min(float(days), band["end"]) - band["start"], 0.0)
        low = max(2, round(days - delta))
        high = min(round(days + delta), self.settings.maximum_interval)
        low = min(low, high)
        draw = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64
        return min(round(draw * (high - low + 1) + low), self.settings.maximum_interval)


def _fsrs_card(memory: Memory) -> FsrsCard:
    if memory.state is CardState.NEW:
        # The package's new card: learning, step 0, no stability yet. An explicit id and
        # due time: without them the package sleeps a millisecond to make an id.
        return FsrsCard(card_id=1, due=datetime(1970, 1, 1, tzinfo=UTC))
    return FsrsCard(
        card_id=1,
        state=State(int(memory.state)),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due,
        last_review=memory.last_review,
    )


def replay(model: MemoryModel, reviews: list[tuple[int, datetime, str]]) -> list[Memory]:
    """The state after each of a card's reviews, `(rating, reviewed_at, key)`, taken in
    the order given (the caller sorts them by time)."""
    states: list[Memory] = []
    memory = NEW
    for rating, at, key in reviews:
        memory = model.review(memory, rating, at, key)
        states.append(memory)
    return states
