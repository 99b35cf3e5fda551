"""Use cases of spaced repetition: the app's settings, a review, the day's due queue and
a player's review statistics. Services take the caller's `Session` and never commit."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from questline.errors import InvalidInput, UnknownPlayer
from questline.learning import review_store
from questline.learning.errors import ReviewConflict
from questline.learning.memory import NEW, CardState, Memory, MemoryModel
from questline.learning.model import (
    LocalDay,
    following_days,
    local_day,
    midnight,
    mix_new_cards,
)
from questline.learning.settings import LearningSettings
from questline.processing.ingest import NewEvent
from questline.processing.submission import EventFlow
from questline.storage import audit
from questline.storage.players import ensure_player

REVIEW_COMPLETED = "review.completed"
# A client's clock may run a little fast; a review further in the future is refused.
CLOCK_SKEW = timedelta(minutes=5)
FORECAST_DAYS = 7
RETENTION_DAYS = 30


# Settings


def app_values(session: Session, app_id: int) -> dict[str, Any]:
    """What the app set itself."""
    return review_store.settings_values(session, app_id)


def effective_settings(
    session: Session, app_id: int, defaults: LearningSettings
) -> LearningSettings:
    return defaults.with_app_values(app_values(session, app_id))


def settings_view(
    session: Session, app_id: int, defaults: LearningSettings
) -> tuple[LearningSettings, dict[str, Any]]:
    """The settings in force for the app, and the values it set itself."""
    values = app_values(session, app_id)
    return defaults.with_app_values(values), values


def replace_settings(
    session: Session,
    who: audit.Actor,
    values: dict[str, Any],
    defaults: LearningSettings,
    now: datetime,
) -> tuple[LearningSettings, dict[str, Any]]:
    """The app's own values become `values` (what it leaves out: the server's)."""
    before = app_values(session, who.app_id)
    review_store.save_settings(session, who.app_id, values, now)
    audit.record(session, who, "learning.settings", "app", who.app_id, before=before, after=values)
    return defaults.with_app_values(values), values


# Reviews


@dataclass(frozen=True)
class ReviewGiven:
    card: str
    rating: int  # 1 again, 2 hard, 3 good, 4 easy
    key: str | None
    reviewed_at: datetime | None
    duration_ms: int | None


@dataclass(frozen=True)
class ReviewResult:
    id: str
    card: str
    rating: int
    reviewed_at: datetime
    state_before: CardState
    memory: Memory
    retrievability: float | None
    event_id: str
    duplicate: bool


def record_review(
    session: Session,
    flow: EventFlow,
    app_id: int,
    player_key: str,
    given: ReviewGiven,
    defaults: LearningSettings,
    now: datetime,
) -> ReviewResult:
    """Apply a review to the player's memory of the card and send `review.completed`
    into the event flow. Idempotent by the review's id: sent again, it changes nothing
    and answers the first result; a different review under the same id is a conflict."""
    card = review_store.card(session, app_id, given.card)
    if card is None:
        raise InvalidInput(
            f"no card '{given.card}' in this app's courses",
            errors=[{"loc": ["card"], "message": "not a card of a current course version"}],
        )
    reviewed_at = given.reviewed_at or now
    if reviewed_at > now + CLOCK_SKEW:
        raise InvalidInput(
            "a review cannot be dated in the future",
            errors=[{"loc": ["reviewed_at"], "message": f"after the server's clock ({now})"}],
        )
    player = review_store.player(session, app_id, player_key)
    if player is None:
        created = ensure_player(session, app_id, player_key, now)
        player = review_store.PlayerRef(created.id, player_key, created.time_zone)
    key = given.key or f"rev_{uuid.uuid4().hex}"
    earlier = review_store.review_by_key(session, player.id, key)
    if earlier is not None:
        return _replayed(earlier, card, given)
    model = MemoryModel(effective_settings(session, app_id, defaults).memory())
    before = review_store.locked_memory(session, player.id, card, now)
    late = before.last_review is not None and reviewed_at < before.last_review
    if late:
        before = _state_at(session, model, player.id, card.id, reviewed_at)
    after = model.review(before, given.rating, reviewed_at, key)
    recall = _recall(model, before, reviewed_at)
    event_key = _event_key(player.id, key)
    added = review_store.insert_review(
        session,
        app_id=app_id,
        player_id=player.id,
        card_id=card.id,
        key=key,
        rating=given.rating,
        reviewed_at=reviewed_at,
        duration_ms=given.duration_ms,
        before=before,
        after=after,
        retrievability=recall,
        event_key=event_key,
        now=now,
    )
    if not added:  # the same id, sent twice at once: the other one applied it
        raced = review_store.review_by_key(session, player.id, key)
        assert raced is not None
        return _replayed(raced, card, given)
    current = _replay_card(session, model, player.id, card.id) if late else after
    review_store.save_memory(session, player.id, card.id, current)
    flow.append(
        session,
        app_id,
        [
            NewEvent(
                type=REVIEW_COMPLETED,
                player=player.external_id,
                key=event_key,
                occurred_at=reviewed_at,
                properties={
                    "card": card.key,
                    "course": card.course,
                    "rating": given.rating,
                    "correct": given.rating > 1,
                    "new": before.state is CardState.NEW,
                    "state": after.state.label,
                    "interval_days": _interval_days(after, reviewed_at),
                },
            )
        ],
        now,
    )
    return ReviewResult(
        key, card.key, given.rating, reviewed_at, before.state, after, recall, event_key, False
    )


def _event_key(player_id: int, key: str) -> str:
    # Derived from the review, so the event is appended once whatever happens to the
    # request; hashed to fit the event key's length whatever the client's id is.
    return "review-" + hashlib.sha256(f"{player_id}:{key}".encode()).hexdigest()[:32]


def _recall(model: MemoryModel, memory: Memory, at: datetime) -> float | None:
    return None if memory.state is CardState.NEW else round(model.retrievability(memory, at), 6)


def _interval_days(memory: Memory, at: datetime) -> float:
    assert memory.due is not None
    return round((memory.due - at).total_seconds() / 86400, 4)


def _replayed(
    earlier: review_store.StoredReview, card: review_store.CardRef, given: ReviewGiven
) -> ReviewResult:
    differs = earlier.card_id != card.id or earlier.rating != given.rating
    if given.reviewed_at is not None and earlier.reviewed_at != given.reviewed_at:
        differs = True
    if differs:
        raise ReviewConflict(
            f"review '{earlier.key}' was recorded for another card, rating or time: give a"
            " new review a new id"
        )
    return ReviewResult(
        earlier.key,
        card.key,
        earlier.rating,
        earlier.reviewed_at,
        earlier.state_before,
        earlier.memory,
        earlier.retrievability,
        earlier.event_key,
        duplicate=True,
    )


def _state_at(
    session: Session, model: MemoryModel, player_id: int, card_id: int, at: datetime
) -> Memory:
    """The card's state just before `at`: its reviews until then, replayed."""
    memory = NEW
    for row in review_store.card_reviews(session, player_id, card_id):
        if row.reviewed_at > at:
            break
        memory = model.review(memory, row.rating, row.reviewed_at, row.key)
    return memory


def _replay_card(session: Session, model: MemoryModel, player_id: int, card_id: int) -> Memory:
    """A review dated before others of the card arrived: every review of the card is
    applied again in time order, and each keeps the state it now leads to."""
    memory = NEW
    for row in review_store.card_reviews(session, player_id, card_id):
        before = memory
        memory = model.review(memory, row.rating, row.reviewed_at, row.key)
        row.state_before = int(before.state)
        row.state_after = int(memory.state)
        row.stability, row.difficulty, row.due = memory.stability, memory.difficulty, memory.due
        row.retrievability = _recall(model, before, row.reviewed_at)
    session.flush()
    return memory


# The due queue and statistics


@dataclass(frozen=True)
class DueQueue:
    cards: list[review_store.QueuedRow]
    day: LocalDay
    time_zone: str
    due_today: int
    new_today: int  # new cards still offered today


def due_queue(
    session: Session,
    app_id: int,
    player_key: str,
    limit: int,
    defaults: LearningSettings,
    now: datetime,
) -> DueQueue:
    """The cards to review today, soonest due first, with the day's new cards spread
    among them. "Today" is the player's local day: it ends at their next local midnight,
    23 or 25 hours after the last one on a daylight-saving night."""
    # Three round trips: the player and the settings, the counts, the cards.
    found = review_store.player_and_settings(session, app_id, player_key)
    if found is None:
        raise UnknownPlayer(player_key)
    player, values = found
    settings = defaults.with_app_values(values)
    day = local_day(now, player.time_zone)
    counts = review_store.queue_counts(
        session, player.id, day.starts_at, day.ends_at, settings.new_cards_per_day
    )
    allowance = max(0, settings.new_cards_per_day - counts.new_reviewed)
    new_total = min(allowance, counts.new_available)
    due, new = review_store.queue_cards(
        session, player.id, day.ends_at, limit, min(new_total, limit)
    )
    mixed = mix_new_cards(due, new, due_total=counts.due, new_total=new_total, limit=limit)
    return DueQueue(mixed, day, player.time_zone, counts.due, new_total)


def _player(session: Session, app_id: int, player_key: str) -> review_store.PlayerRef:
    player = review_store.player(session, app_id, player_key)
    if player is None:
        raise UnknownPlayer(player_key)
    return player


@dataclass(frozen=True)
class ForecastDay:
    date: str
    due: int


@dataclass(frozen=True)
class ReviewStats:
    time_zone: str
    today: str
    cards: dict[CardState, int]
    reviews_today: int
    new_today: int
    retention: float | None  # the share of review-state cards recalled (not "again")
    retention_reviews: int
    forecast: list[ForecastDay]


def review_stats(session: Session, app_id: int, player_key: str, now: datetime) -> ReviewStats:
    """Cards by state, today's reviews, retention over the last 30 local days and the
    cards falling due on each of the next 7 (the first counts what is overdue too)."""
    player = _player(session, app_id, player_key)
    zone = player.time_zone
    day = local_day(now, zone)
    # The last 30 local days, today included.
    window_start = midnight(day.date - timedelta(days=RETENTION_DAYS - 1), zone)
    recalled = review_store.count_reviews(
        session, player.id, window_start, day.ends_at, state_before=CardState.REVIEW, recalled=True
    )
    counted = review_store.count_reviews(
        session, player.id, window_start, day.ends_at, state_before=CardState.REVIEW
    )
    forecast = []
    for index, each in enumerate(following_days(day, zone, FORECAST_DAYS)):
        since = None if index == 0 else each.starts_at
        due = review_store.count_due(session, player.id, each.ends_at, since)
        forecast.append(ForecastDay(each.date.isoformat(), due))
    by_state = review_store.cards_by_state(session, player.id)
    return ReviewStats(
        time_zone=zone,
        today=day.date.isoformat(),
        cards={state: by_state.get(state, 0) for state in CardState},
        reviews_today=review_store.count_reviews(session, player.id, day.starts_at, day.ends_at),
        new_today=review_store.count_reviews(
            session, player.id, day.starts_at, day.ends_at, state_before=CardState.NEW
        ),
        retention=round(recalled / counted, 4) if counted else None,
        retention_reviews=counted,
        forecast=forecast,
    )
