"""Use cases of course content: import a course version and read courses, versions and
lessons. Services take the caller's `Session` and never commit. (Attempts and progress
are in `attempts`, reviews in `reviews`.)"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from questline.errors import NotFound
from questline.learning import course_store
from questline.learning.content import course_from_normalized, digest, parse_course
from questline.learning.errors import InvalidCourse
from questline.learning.model import (
    Card,
    Course,
    Lesson,
    Unit,
)
from questline.learning.tables import CourseRow, CourseVersionRow
from questline.storage import audit
from questline.storage.pages import read_page


class _ParsedCourses:
    """Course versions never change, so a parsed one is kept (by its digest: databases
    of several apps or tests may reuse ids)."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[str, Course] = OrderedDict()

    def get(self, session: Session, course_id: int, version: int) -> Course:
        name = course_store.version_digest(session, course_id, version)
        if name is None:
            raise NotFound(f"the course has no version {version}")
        with self._lock:
            if name in self._items:
                self._items.move_to_end(name)
                return self._items[name]
        row = course_store.course_version(session, course_id, version)
        assert row is not None
        course = course_from_normalized(row.document)
        with self._lock:
            self._items[name] = course
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return course


courses = _ParsedCourses()


# Content


@dataclass(frozen=True)
class CourseVersionInfo:
    course: str
    version: int
    title: str
    comment: str | None
    created_by: str | None
    created_at: datetime
    units: int
    lessons: int
    cards: int


@dataclass(frozen=True)
class Imported:
    version: CourseVersionInfo
    changed: bool  # False: the document is the current version's, nothing was added


@dataclass(frozen=True)
class CourseSummary:
    course: Course
    version: int
    created_at: datetime
    updated_at: datetime


def _info(course_key: str, row: CourseVersionRow, course: Course) -> CourseVersionInfo:
    return CourseVersionInfo(
        course=course_key,
        version=row.version,
        title=course.title,
        comment=row.comment,
        created_by=row.created_by,
        created_at=row.created_at,
        units=len(course.units),
        lessons=len(course.lessons),
        cards=len(course.cards),
    )


def import_course(
    session: Session,
    who: audit.Actor,
    course_key: str,
    document: Any,
    *,
    comment: str | None,
    now: datetime,
) -> Imported:
    """A new version of the course (the first one creates it); the same content as the
    current version again changes nothing."""
    course, normalized = parse_course(document, course_key)
    name = digest(normalized)
    row = course_store.lock_course(session, who.app_id, course_key, course.title, now)
    if row.current_version:
        current = course_store.course_version(session, row.id, row.current_version)
        assert current is not None
        if current.digest == name:
            return Imported(_info(course_key, current, course), changed=False)
    version = course_store.add_version(
        session,
        row,
        normalized,
        name,
        title=course.title,
        comment=comment,
        created_by=who.actor,
        now=now,
    )
    course_store.claim_lessons(
        session, who.app_id, row.id, [lesson.id for lesson in course.lessons]
    )
    course_store.sync_cards(session, who.app_id, row.id, course.cards)
    # Checked once claimed: an import of another course claiming the same ids at the same
    # moment has committed by now (the claims wait for it), and one of the two fails here.
    _check_ids_free(session, who.app_id, row, course)
    info = _info(course_key, version, course)
    audit.record(
        session,
        who,
        "course.import",
        "course",
        course_key,
        after={"version": info.version, "lessons": info.lessons, "cards": info.cards},
    )
    return Imported(info, changed=True)


def _check_ids_free(session: Session, app_id: int, row: CourseRow, course: Course) -> None:
    """Lesson and card ids are unique in an app (`/v1/lessons/{id}`, a review's card)."""
    lessons, cards = course_store.owners_elsewhere(
        session,
        app_id,
        row.id,
        (lesson.id for lesson in course.lessons),
        (c.id for c in course.cards),
    )
    issues: list[dict[str, Any]] = []
    for u, unit in enumerate(course.units):
        for n, lesson in enumerate(unit.lessons):
            if lesson.id in lessons:
                issues.append(
                    {
                        "loc": ["units", u, "lessons", n, "id"],
                        "message": f"lesson id '{lesson.id}' belongs to course"
                        f" '{lessons[lesson.id]}'",
                    }
                )
    by_id = {card.id: index for index, card in enumerate(course.cards)}
    for card_id, owner in sorted(cards.items()):
        issues.append(
            {
                "loc": ["cards", by_id[card_id], "id"],
                "message": f"card id '{card_id}' belongs to course '{owner}'",
            }
        )
    if issues:
        raise InvalidCourse(
            f"{len(issues)} id(s) of the course belong to other courses of the app", errors=issues
        )


def list_courses(
    session: Session, app_id: int, *, after_id: int | None, limit: int
) -> tuple[list[CourseSummary], int | None]:
    rows, last = read_page(session, course_store.courses_page(app_id, after_id), limit, _row_id)
    found = [
        CourseSummary(
            courses.get(session, row.id, row.current_version),
            row.current_version,
            row.created_at,
            row.updated_at,
        )
        for row in rows
    ]
    return found, last


def _row_id(row: CourseRow) -> int:
    return row.id


def course_row(session: Session, app_id: int, course_key: str) -> CourseRow:
    row = course_store.course_by_key(session, app_id, course_key)
    if row is None or not row.current_version:
        raise NotFound(f"no course with id '{course_key}'")
    return row


def course_tree(
    session: Session, app_id: int, course_key: str, version: int | None
) -> CourseSummary:
    row = course_row(session, app_id, course_key)
    wanted = version or row.current_version
    return CourseSummary(
        courses.get(session, row.id, wanted), wanted, row.created_at, row.updated_at
    )


def course_versions(
    session: Session, app_id: int, course_key: str, *, before: int | None, limit: int
) -> tuple[list[CourseVersionInfo], int | None]:
    row = course_row(session, app_id, course_key)
    rows, last = read_page(session, course_store.versions_page(row.id, before), limit, _version)
    found = [
        _info(course_key, version, courses.get(session, row.id, version.version))
        for version in rows
    ]
    return found, last


def _version(row: CourseVersionRow) -> int:
    return row.version


@dataclass(frozen=True)
class LessonContent:
    course: str
    version: int
    unit: Unit
    lesson: Lesson
    cards: list[Card]


def lesson_content(
    session: Session, app_id: int, lesson_key: str, version: int | None
) -> LessonContent:
    row = course_store.lesson_course(session, app_id, lesson_key)
    if row is None:
        raise NotFound(f"no lesson with id '{lesson_key}'")
    wanted = version or row.current_version
    course = courses.get(session, row.id, wanted)
    lesson = course.lesson(lesson_key)
    if lesson is None:
        raise NotFound(f"version {wanted} of course '{row.key}' has no lesson '{lesson_key}'")
    unit = next(unit for unit in course.units if unit.id == lesson.unit)
    return LessonContent(row.key, wanted, unit, lesson, course.cards_of(lesson))
