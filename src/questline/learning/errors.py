"""The learning module's domain errors; each carries its status and code, and the API's
one handler turns them into problem details."""

from __future__ import annotations

from questline.errors import Conflict, InvalidInput


class InvalidCourse(InvalidInput):
    code = "invalid_course"
    title = "The course document is not valid"


class LessonLocked(Conflict):
    code = "lesson_locked"
    title = "The lesson is locked"


class AttemptSubmitted(Conflict):
    code = "attempt_submitted"
    title = "The attempt is already submitted"


class AnswerConflict(Conflict):
    code = "answer_conflict"
    title = "The question is already answered"


class ReviewConflict(Conflict):
    code = "review_conflict"
    title = "A review with this id says something else"
