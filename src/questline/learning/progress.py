"""A player's progress in a course: what is passed, locked and next, best scores, lesson
XP per unit and accuracy over every submitted attempt."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from questline.learning import attempt_store
from questline.learning.model import (
    Course,
    Lesson,
    LessonStatus,
    Unit,
    lesson_status,
    next_lesson,
)
from questline.learning.service import course_row, courses
from questline.learning.tables import AttemptRow
from questline.storage.players import find_player


@dataclass(frozen=True)
class LessonProgress:
    lesson: Lesson
    status: LessonStatus
    attempts: int
    best_score: int | None
    passed_at: datetime | None


@dataclass(frozen=True)
class UnitProgress:
    unit: Unit
    lessons: list[LessonProgress]
    passed: int
    xp: int


@dataclass(frozen=True)
class CourseProgress:
    course: Course
    version: int
    units: list[UnitProgress]
    passed: int
    total: int
    next_lesson: str | None
    xp: int
    answers_correct: int
    answers_total: int
    accuracy: float | None = field(default=None)


def course_progress(
    session: Session, app_id: int, player_key: str, course_key: str
) -> CourseProgress:
    """Where the player stands in the course's current version: what is passed, locked
    and next, best scores, lesson XP per unit and accuracy over every submitted attempt."""
    row = course_row(session, app_id, course_key)
    player = find_player(session, app_id, player_key)
    course = courses.get(session, row.id, row.current_version)
    attempts = attempt_store.submitted_attempts(session, player.id, row.id)
    passed = {a.lesson_key for a in attempts if a.passed}
    by_lesson: dict[str, list[AttemptRow]] = {}
    for attempt in attempts:
        by_lesson.setdefault(attempt.lesson_key, []).append(attempt)
    units = []
    for unit in course.units:
        lessons = []
        xp = 0
        for lesson in unit.lessons:
            taken = by_lesson.get(lesson.id, [])
            passes = [a for a in taken if a.passed]
            xp += sum(a.xp or 0 for a in passes)
            lessons.append(
                LessonProgress(
                    lesson=lesson,
                    status=lesson_status(lesson, passed),
                    attempts=len(taken),
                    best_score=max((a.score or 0 for a in taken), default=None),
                    passed_at=passes[0].submitted_at if passes else None,
                )
            )
        units.append(
            UnitProgress(
                unit, lessons, sum(1 for p in lessons if p.status is LessonStatus.PASSED), xp
            )
        )
    correct = sum(a.correct or 0 for a in attempts)
    total = sum(a.total or 0 for a in attempts)
    following = next_lesson(course, passed)
    return CourseProgress(
        course=course,
        version=row.current_version,
        units=units,
        passed=sum(u.passed for u in units),
        total=len(course.lessons),
        next_lesson=following.id if following is not None else None,
        xp=sum(u.xp for u in units),
        answers_correct=correct,
        answers_total=total,
        accuracy=round(correct / total, 4) if total else None,
    )
