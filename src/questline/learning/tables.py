"""The learning module's tables, on the shared declarative base (so Alembic sees them).

Course content is versioned like the game design: every import that changes a course is
a new immutable version, and an attempt pins the version it started on. Lesson and card
rows say which course an id belongs to (ids are unique in an app); the card rows also
hold the current content the review queue shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from questline.storage.models import Base
from questline.storage.types import BigId

# Keyed by (player, card) and read by that key or the player's due range: clustered on
# the key in SQLite (WITHOUT ROWID), as the core's per-player tables are.
_CLUSTERED = {"sqlite_with_rowid": False}


class LearningSettingsRow(Base):
    """An app's spaced-repetition settings (what is not set falls back to the server's)."""

    __tablename__ = "learning_settings"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    settings: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class CourseRow(Base):
    __tablename__ = "learning_courses"
    __table_args__ = (UniqueConstraint("app_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    current_version: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CourseVersionRow(Base):
    """One imported version of a course: the normalized document, never changed."""

    __tablename__ = "learning_course_versions"
    __table_args__ = (UniqueConstraint("course_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("learning_courses.id"))
    version: Mapped[int]
    document: Mapped[dict[str, Any]]
    digest: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime]


class LessonRow(Base):
    """Which course a lesson id belongs to (kept when a version drops the lesson, so
    that attempts pinned to an older version still find it)."""

    __tablename__ = "learning_lessons"
    __table_args__ = (UniqueConstraint("app_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    key: Mapped[str] = mapped_column(String(100))
    course_id: Mapped[int] = mapped_column(ForeignKey("learning_courses.id"))


class CardRow(Base):
    """A vocabulary card as the course's current version has it; `active` is false once
    a version drops it (its memory states stay, out of the queue)."""

    __tablename__ = "learning_cards"
    __table_args__ = (UniqueConstraint("app_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    key: Mapped[str] = mapped_column(String(100))
    course_id: Mapped[int] = mapped_column(ForeignKey("learning_courses.id"))
    position: Mapped[int]
    word: Mapped[str] = mapped_column(String(200))
    translation: Mapped[str] = mapped_column(String(200))
    audio_url: Mapped[str | None] = mapped_column(String(2000))
    image_url: Mapped[str | None] = mapped_column(String(2000))
    example: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)


class AttemptRow(Base):
    """A lesson attempt, pinned to the course version it started on."""

    __tablename__ = "learning_attempts"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_learning_attempts_player_course", "player_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(40))  # the public id
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    player_id: Mapped[int] = mapped_column(BigId, ForeignKey("players.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("learning_courses.id"))
    lesson_key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))  # open | submitted
    started_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    correct: Mapped[int | None]
    total: Mapped[int | None]
    score: Mapped[int | None]  # percent, rounded down
    passed: Mapped[bool | None] = mapped_column(Boolean)
    xp: Mapped[int | None]
    event_key: Mapped[str | None] = mapped_column(String(200))


class AnswerRow(Base):
    __tablename__ = "learning_answers"

    attempt_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("learning_attempts.id"), primary_key=True
    )
    question: Mapped[str] = mapped_column(String(100), primary_key=True)
    correct: Mapped[bool] = mapped_column(Boolean)
    response: Mapped[str | None] = mapped_column(Text)
    time_ms: Mapped[int]
    hint_used: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime]


class CardStateRow(Base):
    """A player's memory of a card (FSRS). `due` is null while the card is new. Two
    indexes serve the queue in the order it shows cards, so a read stops at its limit:
    the due cards by due time, the new ones by course order.
    `active` mirrors the card's: a card a course drops leaves the queue (the index
    answers the queue and its counts without reading the cards)."""

    __tablename__ = "learning_card_states"
    __table_args__ = (
        Index("ix_learning_card_states_due", "player_id", "active", "due", "rank", "card_id"),
        # PostgreSQL reads no order from `due IS NULL`: the new cards have their own.
        Index(
            "ix_learning_card_states_new",
            "player_id",
            "rank",
            "card_id",
            postgresql_where=text("active = TRUE AND due IS NULL"),
            sqlite_where=text("active = TRUE AND due IS NULL"),
        ),
        _CLUSTERED,
    )

    player_id: Mapped[int] = mapped_column(BigId, ForeignKey("players.id"), primary_key=True)
    card_id: Mapped[int] = mapped_column(BigId, ForeignKey("learning_cards.id"), primary_key=True)
    state: Mapped[int] = mapped_column(SmallInteger)
    step: Mapped[int | None]
    stability: Mapped[float | None]
    difficulty: Mapped[float | None]
    due: Mapped[datetime | None]
    last_review: Mapped[datetime | None]
    reps: Mapped[int]
    lapses: Mapped[int]
    rank: Mapped[int]  # the card's position in its course: new cards come in this order
    active: Mapped[bool] = mapped_column(Boolean)
    introduced_at: Mapped[datetime]


class ReviewRow(Base):
    """One review, append-only but for the state it led to (recomputed when a review
    dated earlier arrives later)."""

    __tablename__ = "learning_reviews"
    __table_args__ = (
        UniqueConstraint("player_id", "key"),
        Index("ix_learning_reviews_player_time", "player_id", "reviewed_at"),
        Index("ix_learning_reviews_card", "player_id", "card_id", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    player_id: Mapped[int] = mapped_column(BigId, ForeignKey("players.id"))
    card_id: Mapped[int] = mapped_column(BigId, ForeignKey("learning_cards.id"))
    key: Mapped[str] = mapped_column(String(200))  # the client's id for it
    rating: Mapped[int] = mapped_column(SmallInteger)
    reviewed_at: Mapped[datetime]
    duration_ms: Mapped[int | None]
    state_before: Mapped[int] = mapped_column(SmallInteger)
    state_after: Mapped[int] = mapped_column(SmallInteger)
    stability: Mapped[float | None]
    difficulty: Mapped[float | None]
    due: Mapped[datetime | None]
    retrievability: Mapped[float | None]  # the predicted recall when reviewed
    event_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
