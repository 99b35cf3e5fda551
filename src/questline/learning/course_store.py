"""Queries of course content: courses and their versions, which course holds each lesson
and card id, the card rows a version leaves in force, and the cards a player has met.
Reads return rows or composable `Select`s; writes never commit (the caller's unit of
work does)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from questline.learning.memory import CardState
from questline.learning.model import Card
from questline.learning.tables import (
    CardRow,
    CardStateRow,
    CourseRow,
    CourseVersionRow,
    LessonRow,
)


def _insert_ignoring_conflicts(
    session: Session, table: Any, rows: Sequence[dict[str, Any]]
) -> None:
    if not rows:
        return
    postgres = session.get_bind().dialect.name == "postgresql"
    statement = (postgresql_insert if postgres else sqlite_insert)(table).on_conflict_do_nothing()
    session.execute(statement, list(rows))


# Courses and their versions


def course_by_key(session: Session, app_id: int, key: str) -> CourseRow | None:
    return session.scalar(select(CourseRow).where(CourseRow.app_id == app_id, CourseRow.key == key))


def lock_course(session: Session, app_id: int, key: str, title: str, now: datetime) -> CourseRow:
    """The course row, created (at version 0) if new, locked for an import."""
    _insert_ignoring_conflicts(
        session,
        CourseRow,
        [
            {
                "app_id": app_id,
                "key": key,
                "title": title,
                "current_version": 0,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    found = session.scalar(
        select(CourseRow).where(CourseRow.app_id == app_id, CourseRow.key == key).with_for_update()
    )
    assert found is not None
    return found


def courses_page(app_id: int, after_id: int | None) -> Select[tuple[CourseRow]]:
    statement = select(CourseRow).where(CourseRow.app_id == app_id, CourseRow.current_version > 0)
    if after_id is not None:
        statement = statement.where(CourseRow.id > after_id)
    return statement.order_by(CourseRow.id)


def course_version(session: Session, course_id: int, version: int) -> CourseVersionRow | None:
    return session.scalar(
        select(CourseVersionRow).where(
            CourseVersionRow.course_id == course_id, CourseVersionRow.version == version
        )
    )


def version_digest(session: Session, course_id: int, version: int) -> str | None:
    return session.scalar(
        select(CourseVersionRow.digest).where(
            CourseVersionRow.course_id == course_id, CourseVersionRow.version == version
        )
    )


def versions_page(course_id: int, before: int | None) -> Select[tuple[CourseVersionRow]]:
    statement = select(CourseVersionRow).where(CourseVersionRow.course_id == course_id)
    if before is not None:
        statement = statement.where(CourseVersionRow.version < before)
    return statement.order_by(CourseVersionRow.version.desc())


def add_version(
    session: Session,
    course: CourseRow,
    document: dict[str, Any],
    digest: str,
    *,
    title: str,
    comment: str | None,
    created_by: str,
    now: datetime,
) -> CourseVersionRow:
    row = CourseVersionRow(
        course_id=course.id,
        version=course.current_version + 1,
        document=document,
        digest=digest,
        comment=comment,
        created_by=created_by,
        created_at=now,
    )
    session.add(row)
    course.current_version = row.version
    course.title = title
    course.updated_at = now
    session.flush()
    return row


# Lessons and cards


def owners_elsewhere(
    session: Session, app_id: int, course_id: int, lessons: Iterable[str], cards: Iterable[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Lesson and card ids among these that belong to another course of the app:
    id -> that course's id."""
    wanted_lessons, wanted_cards = sorted(set(lessons)), sorted(set(cards))
    taken_lessons: dict[str, str] = {}
    for start in range(0, len(wanted_lessons), 500):
        rows = session.execute(
            select(LessonRow.key, CourseRow.key)
            .join(CourseRow, CourseRow.id == LessonRow.course_id)
            .where(
                LessonRow.app_id == app_id,
                LessonRow.course_id != course_id,
                LessonRow.key.in_(wanted_lessons[start : start + 500]),
            )
        )
        taken_lessons.update(rows.tuples().all())
    taken_cards: dict[str, str] = {}
    for start in range(0, len(wanted_cards), 500):
        rows = session.execute(
            select(CardRow.key, CourseRow.key)
            .join(CourseRow, CourseRow.id == CardRow.course_id)
            .where(
                CardRow.app_id == app_id,
                CardRow.course_id != course_id,
                CardRow.key.in_(wanted_cards[start : start + 500]),
            )
        )
        taken_cards.update(rows.tuples().all())
    return taken_lessons, taken_cards


def claim_lessons(session: Session, app_id: int, course_id: int, keys: Iterable[str]) -> None:
    _insert_ignoring_conflicts(
        session,
        LessonRow,
        [{"app_id": app_id, "key": key, "course_id": course_id} for key in keys],
    )


def lesson_course(session: Session, app_id: int, lesson_key: str) -> CourseRow | None:
    return session.scalar(
        select(CourseRow)
        .join(LessonRow, LessonRow.course_id == CourseRow.id)
        .where(LessonRow.app_id == app_id, LessonRow.key == lesson_key)
    )


_CARD_FIELDS = ("position", "word", "translation", "audio_url", "image_url", "example")


def sync_cards(session: Session, app_id: int, course_id: int, cards: Sequence[Card]) -> None:
    """Make the course's card rows what this version says: new cards added, changed ones
    updated, dropped ones (and their memory states) out of the queue."""
    existing = {
        row.key: row
        for row in session.execute(
            select(
                CardRow.id,
                CardRow.key,
                CardRow.active,
                *[getattr(CardRow, name) for name in _CARD_FIELDS],
            ).where(CardRow.course_id == course_id)
        )
    }
    inserts: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    revived: list[int] = []
    for card in cards:
        values = {name: getattr(card, name) for name in _CARD_FIELDS}
        row = existing.get(card.id)
        if row is None:
            inserts.append(
                {"app_id": app_id, "key": card.id, "course_id": course_id, "active": True, **values}
            )
            continue
        if not row.active:
            revived.append(row.id)
        if not row.active or any(getattr(row, name) != values[name] for name in _CARD_FIELDS):
            changes.append({"id": row.id, "active": True, **values})
    kept = {card.id for card in cards}
    dropped = [row.id for key, row in existing.items() if key not in kept and row.active]
    if inserts:
        # DO NOTHING: an id another course holds is reported by the import's check.
        _insert_ignoring_conflicts(session, CardRow, inserts)
    if changes:
        session.execute(update(CardRow), changes)  # by primary key, many rows at once
    _set_active(session, dropped, active=False)
    _set_active(session, revived, active=True)


def _set_active(session: Session, card_ids: Sequence[int], *, active: bool) -> None:
    for start in range(0, len(card_ids), 500):
        part = card_ids[start : start + 500]
        session.execute(update(CardRow).where(CardRow.id.in_(part)).values(active=active))
        session.execute(
            update(CardStateRow).where(CardStateRow.card_id.in_(part)).values(active=active)
        )


def card_rows(session: Session, course_id: int, keys: Iterable[str]) -> list[CardRow]:
    wanted = sorted(set(keys))
    if not wanted:
        return []
    return list(
        session.scalars(
            select(CardRow).where(CardRow.course_id == course_id, CardRow.key.in_(wanted))
        )
    )


# Cards a player has met


def introduce_cards(
    session: Session, player_id: int, cards: Sequence[CardRow], now: datetime
) -> None:
    """Cards the player has now met: new cards in their queue (those met before keep
    their state)."""
    _insert_ignoring_conflicts(
        session,
        CardStateRow,
        [new_state(player_id, card, now) for card in cards],
    )


def new_state(player_id: int, card: CardRow, now: datetime) -> dict[str, Any]:
    return {
        "player_id": player_id,
        "card_id": card.id,
        "state": int(CardState.NEW),
        "step": None,
        "stability": None,
        "difficulty": None,
        "due": None,
        "last_review": None,
        "reps": 0,
        "lapses": 0,
        "rank": card.position,
        "active": card.active,
        "introduced_at": now,
    }
