"""Queries of spaced repetition: the app's settings, memory states, reviews, the due queue
and its counts.

A review and a queue read run a handful of statements each, many times a day per player:
they are plain SQL through the driver (`BulkWriter`), as the core's hot paths are —
building SQLAlchemy statements cost several times the queries themselves (see
`bench/learning.py`). The rarer paths use the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from questline.learning.memory import CardState, Memory
from questline.learning.tables import LearningSettingsRow, ReviewRow
from questline.storage.bulk import BulkWriter, as_utc
from questline.storage.types import loads_json


@dataclass(frozen=True, slots=True)
class CardRef:
    id: int
    key: str
    position: int
    course: str


@dataclass(frozen=True, slots=True)
class PlayerRef:
    id: int
    external_id: str
    time_zone: str


@dataclass(frozen=True, slots=True)
class StoredReview:
    key: str
    card_id: int
    rating: int
    reviewed_at: datetime
    state_before: CardState
    memory: Memory  # the state the review led to
    retrievability: float | None
    event_key: str


@dataclass(frozen=True, slots=True)
class QueuedRow:
    card: str
    course: str
    word: str
    translation: str
    audio_url: str | None
    image_url: str | None
    example: str | None
    state: CardState
    due: datetime | None


def _stamp(value: Any) -> datetime:
    found = as_utc(value)
    assert found is not None
    return found


def player(session: Session, app_id: int, external_id: str) -> PlayerRef | None:
    rows = BulkWriter(session).fetch(
        "SELECT id, time_zone FROM players WHERE app_id = ? AND external_id = ?",
        app_id,
        external_id,
    )
    return PlayerRef(rows[0][0], external_id, rows[0][1]) if rows else None


def settings_values(session: Session, app_id: int) -> dict[str, Any]:
    rows = BulkWriter(session).fetch(
        "SELECT settings FROM learning_settings WHERE app_id = ?", app_id
    )
    return _json(rows[0][0]) if rows else {}


def save_settings(session: Session, app_id: int, values: dict[str, Any], now: datetime) -> None:
    row = session.get(LearningSettingsRow, app_id, with_for_update=True)
    if row is None:
        session.add(LearningSettingsRow(app_id=app_id, settings=values, updated_at=now))
    else:
        row.settings = values
        row.updated_at = now
    session.flush()


def player_and_settings(
    session: Session, app_id: int, external_id: str
) -> tuple[PlayerRef, dict[str, Any]] | None:
    """The player and the app's own settings, in one round trip (the queue's first)."""
    rows = BulkWriter(session).fetch(
        "SELECT p.id, p.time_zone, s.settings FROM players p"
        " LEFT JOIN learning_settings s ON s.app_id = p.app_id"
        " WHERE p.app_id = ? AND p.external_id = ?",
        app_id,
        external_id,
    )
    if not rows:
        return None
    player_id, time_zone, settings = rows[0]
    return PlayerRef(player_id, external_id, time_zone), _json(settings)


def _json(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    # SQLite hands JSON back as text, PostgreSQL (jsonb) as a dict.
    found: dict[str, Any] = loads_json(value) if isinstance(value, str | bytes) else value
    return found


def card(session: Session, app_id: int, key: str) -> CardRef | None:
    """An active card (in its course's current version) by id."""
    rows = BulkWriter(session).fetch(
        "SELECT c.id, c.position, o.key FROM learning_cards c"
        " JOIN learning_courses o ON o.id = c.course_id"
        " WHERE c.app_id = ? AND c.key = ? AND c.active = TRUE",
        app_id,
        key,
    )
    return CardRef(rows[0][0], key, rows[0][1], rows[0][2]) if rows else None


_REVIEW = (
    "SELECT key, card_id, rating, reviewed_at, state_before, state_after, stability,"
    " difficulty, due, retrievability, event_key FROM learning_reviews"
)


def review_by_key(session: Session, player_id: int, key: str) -> StoredReview | None:
    rows = BulkWriter(session).fetch(f"{_REVIEW} WHERE player_id = ? AND key = ?", player_id, key)
    if not rows:
        return None
    key, card_id, rating, at, before, after, stability, difficulty, due, recall, event = rows[0]
    reviewed_at = _stamp(at)
    return StoredReview(
        key=key,
        card_id=card_id,
        rating=rating,
        reviewed_at=reviewed_at,
        state_before=CardState(before),
        memory=Memory(
            state=CardState(after),
            stability=stability,
            difficulty=difficulty,
            due=as_utc(due),
            last_review=reviewed_at,
        ),
        retrievability=recall,
        event_key=event,
    )


def locked_memory(session: Session, player_id: int, card: CardRef, now: datetime) -> Memory:
    """The player's memory of the card — created as new if they never met it — locked:
    reviews of one card by one player apply one at a time."""
    bulk = BulkWriter(session)
    bulk.executemany(
        "INSERT INTO learning_card_states (player_id, card_id, state, step, stability,"
        " difficulty, due, last_review, reps, lapses, rank, active, introduced_at)"
        " VALUES (?, ?, 0, NULL, NULL, NULL, NULL, NULL, 0, 0, ?, TRUE, ?)"
        " ON CONFLICT (player_id, card_id) DO NOTHING",
        [(player_id, card.id, card.position, bulk.timestamp(now))],
    )
    text = (
        "SELECT state, step, stability, difficulty, due, last_review, reps, lapses"
        " FROM learning_card_states WHERE player_id = ? AND card_id = ?"
    )
    if bulk.postgres:
        text += " FOR UPDATE"  # SQLite: the writer already holds the whole database
    rows = bulk.fetch(text, player_id, card.id)
    state, step, stability, difficulty, due, last_review, reps, lapses = rows[0]
    return Memory(
        state=CardState(state),
        step=step,
        stability=stability,
        difficulty=difficulty,
        due=as_utc(due),
        last_review=as_utc(last_review),
        reps=reps,
        lapses=lapses,
    )


def save_memory(session: Session, player_id: int, card_id: int, memory: Memory) -> None:
    bulk = BulkWriter(session)
    bulk.executemany(
        "UPDATE learning_card_states SET state = ?, step = ?, stability = ?, difficulty = ?,"
        " due = ?, last_review = ?, reps = ?, lapses = ? WHERE player_id = ? AND card_id = ?",
        [
            (
                int(memory.state),
                memory.step,
                memory.stability,
                memory.difficulty,
                bulk.timestamp(memory.due) if memory.due else None,
                bulk.timestamp(memory.last_review) if memory.last_review else None,
                memory.reps,
                memory.lapses,
                player_id,
                card_id,
            )
        ],
    )


def insert_review(
    session: Session,
    *,
    app_id: int,
    player_id: int,
    card_id: int,
    key: str,
    rating: int,
    reviewed_at: datetime,
    duration_ms: int | None,
    before: Memory,
    after: Memory,
    retrievability: float | None,
    event_key: str,
    now: datetime,
) -> bool:
    """Whether the review was added: False when one with its key exists (a concurrent
    request with the same id got there first; this one waited for it to commit)."""
    bulk = BulkWriter(session)
    rows = bulk.insert_returning(
        "INSERT INTO learning_reviews (app_id, player_id, card_id, key, rating, reviewed_at,"
        " duration_ms, state_before, state_after, stability, difficulty, due, retrievability,"
        " event_key, created_at)",
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "ON CONFLICT (player_id, key) DO NOTHING RETURNING id",
        [
            (
                app_id,
                player_id,
                card_id,
                key,
                rating,
                bulk.timestamp(reviewed_at),
                duration_ms,
                int(before.state),
                int(after.state),
                after.stability,
                after.difficulty,
                bulk.timestamp(after.due) if after.due else None,
                retrievability,
                event_key,
                bulk.timestamp(now),
            )
        ],
    )
    return bool(rows)


def card_reviews(session: Session, player_id: int, card_id: int) -> list[ReviewRow]:
    """A card's reviews by a player, in time order (to replay them)."""
    return list(
        session.scalars(
            select(ReviewRow)
            .where(ReviewRow.player_id == player_id, ReviewRow.card_id == card_id)
            .order_by(ReviewRow.reviewed_at, ReviewRow.id)
        )
    )


# The queue and statistics


@dataclass(frozen=True, slots=True)
class QueueCounts:
    due: int  # due before the end of the day
    new_available: int  # new cards, counted up to the limit asked for
    new_reviewed: int  # new cards first reviewed within the day


def queue_counts(
    session: Session,
    player_id: int,
    day_start: datetime,
    day_end: datetime,
    new_at_most: int,
) -> QueueCounts:
    bulk = BulkWriter(session)
    end = bulk.timestamp(day_end)
    rows = bulk.fetch(
        "SELECT"
        " (SELECT count(*) FROM learning_card_states"
        "  WHERE player_id = ? AND active = TRUE AND due < ?),"
        " (SELECT count(*) FROM (SELECT 1 FROM learning_card_states"
        "  WHERE player_id = ? AND active = TRUE AND due IS NULL LIMIT ?) AS new),"
        " (SELECT count(*) FROM learning_reviews WHERE player_id = ?"
        "  AND reviewed_at >= ? AND reviewed_at < ? AND state_before = 0)",
        player_id,
        end,
        player_id,
        new_at_most,
        player_id,
        bulk.timestamp(day_start),
        end,
    )
    due, new, reviewed = rows[0]
    return QueueCounts(int(due), int(new), int(reviewed))


_QUEUED = (
    "SELECT c.key, o.key, c.word, c.translation, c.audio_url, c.image_url, c.example,"
    " s.state, s.due FROM learning_card_states s"
    " JOIN learning_cards c ON c.id = s.card_id"
    " JOIN learning_courses o ON o.id = c.course_id"
)


_QUEUE_CARDS = (
    f"SELECT * FROM ({_QUEUED} WHERE s.player_id = ? AND s.active = TRUE AND s.due < ?"  # noqa: S608 (constant columns)
    "  ORDER BY s.due, s.rank, s.card_id LIMIT ?) AS due"
    f" UNION ALL SELECT * FROM ({_QUEUED} WHERE s.player_id = ?"
    "  AND s.active = TRUE AND s.due IS NULL ORDER BY s.rank, s.card_id LIMIT ?) AS new"
)


def queue_cards(
    session: Session, player_id: int, before: datetime, due_limit: int, new_limit: int
) -> tuple[list[QueuedRow], list[QueuedRow]]:
    """The player's cards due before `before`, soonest first, and their new cards in
    course order (one round trip)."""
    bulk = BulkWriter(session)
    rows = bulk.fetch(
        _QUEUE_CARDS,
        player_id,
        bulk.timestamp(before),
        due_limit,
        player_id,
        max(new_limit, 0),
    )
    found = [_queued(row) for row in rows]
    return [r for r in found if r.due is not None], [r for r in found if r.due is None]


def _queued(row: tuple[Any, ...]) -> QueuedRow:
    key, course, word, translation, audio_url, image_url, example, state, due = row
    return QueuedRow(
        key, course, word, translation, audio_url, image_url, example, CardState(state), as_utc(due)
    )


def count_due(
    session: Session, player_id: int, before: datetime, since: datetime | None = None
) -> int:
    """How many of the player's cards fall due before `before` (and at or after `since`)."""
    bulk = BulkWriter(session)
    text = (
        "SELECT count(*) FROM learning_card_states"
        " WHERE player_id = ? AND active = TRUE AND due < ?"
    )
    params: list[Any] = [player_id, bulk.timestamp(before)]
    if since is not None:
        text += " AND due >= ?"
        params.append(bulk.timestamp(since))
    return int(bulk.fetch(text, *params)[0][0])


def cards_by_state(session: Session, player_id: int) -> dict[CardState, int]:
    rows = BulkWriter(session).fetch(
        "SELECT state, count(*) FROM learning_card_states"
        " WHERE player_id = ? AND active = TRUE GROUP BY state",
        player_id,
    )
    return {CardState(state): int(count) for state, count in rows}


def count_reviews(
    session: Session,
    player_id: int,
    since: datetime,
    until: datetime,
    *,
    state_before: CardState | None = None,
    recalled: bool | None = None,
) -> int:
    """Reviews of the player between two instants; only of cards that were in
    `state_before`; only those recalled (rated 2-4) or forgotten (1)."""
    bulk = BulkWriter(session)
    text = "SELECT count(*) FROM learning_reviews WHERE player_id = ? AND reviewed_at >= ?"
    text += " AND reviewed_at < ?"
    params: list[Any] = [player_id, bulk.timestamp(since), bulk.timestamp(until)]
    if state_before is not None:
        text += " AND state_before = ?"
        params.append(int(state_before))
    if recalled is not None:
        text += " AND rating > 1" if recalled else " AND rating = 1"
    return int(bulk.fetch(text, *params)[0][0])
