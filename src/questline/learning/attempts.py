"""Use cases of taking lessons: start an attempt (unless the lesson is locked), answer,
submit — which scores it and sends `lesson.completed` into the event flow, once. (What
the attempts add up to in a course: `progress`.)

Services take the caller's `Session` and never commit, except `submit_attempt`, which
owns its unit of work: with `wait`, it processes the event after the commit and answers
with its effects.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from questline.errors import InvalidInput, NotFound
from questline.learning import attempt_store, course_store
from questline.learning.errors import AnswerConflict, AttemptSubmitted, LessonLocked
from questline.learning.model import Course, Lesson, score_attempt
from questline.learning.service import courses
from questline.learning.tables import AnswerRow, AttemptRow
from questline.processing.ingest import NewEvent
from questline.processing.submission import EventFlow, EventStatus
from questline.storage.models import Player
from questline.storage.players import ensure_player, find_player

LESSON_COMPLETED = "lesson.completed"


@dataclass(frozen=True)
class AnswerView:
    question: str
    correct: bool
    response: str | None
    time_ms: int
    hint_used: bool
    answered_at: datetime
    accepted: tuple[str, ...]  # the question's accepted answers, shown once answered


@dataclass(frozen=True)
class AttemptResult:
    correct: int
    total: int
    score: int
    passed: bool
    pass_score: int
    xp: int


@dataclass(frozen=True)
class AttemptView:
    id: str
    player: str
    course: str
    version: int
    lesson: Lesson
    status: str
    started_at: datetime
    submitted_at: datetime | None
    answers: list[AnswerView]
    result: AttemptResult | None = None
    event_id: str | None = None
    event: EventStatus | None = None
    duplicate: bool = False


@dataclass(frozen=True)
class AnswerGiven:
    question: str
    correct: bool | None
    response: str | None
    time_ms: int
    hint_used: bool


def start_attempt(
    session: Session, app_id: int, player_key: str, lesson_key: str, now: datetime
) -> AttemptView:
    """A new attempt at the lesson as the course's current version has it — refused while
    the lesson's prerequisite is not passed."""
    row = course_store.lesson_course(session, app_id, lesson_key)
    if row is None:
        raise NotFound(f"no lesson with id '{lesson_key}'")
    course = courses.get(session, row.id, row.current_version)
    lesson = course.lesson(lesson_key)
    if lesson is None:
        raise NotFound(f"lesson '{lesson_key}' is not in the current version of '{row.key}'")
    player = ensure_player(session, app_id, player_key, now)
    if lesson.prerequisite is not None and not attempt_store.has_passed(
        session, player.id, lesson.prerequisite
    ):
        raise LessonLocked(
            f"lesson '{lesson.id}' is locked: pass lesson '{lesson.prerequisite}' first",
            errors=[
                {
                    "loc": ["path", "lesson_id"],
                    "message": f"needs lesson '{lesson.prerequisite}' passed",
                }
            ],
        )
    attempt = attempt_store.add_attempt(
        session,
        AttemptRow(
            key=f"att_{secrets.token_hex(10)}",
            app_id=app_id,
            player_id=player.id,
            course_id=row.id,
            lesson_key=lesson.id,
            version=row.current_version,
            status="open",
            started_at=now,
        ),
    )
    return _view(player_key, row.key, lesson, attempt, [])


def _open_attempt(
    session: Session, app_id: int, player_key: str, lesson_key: str, attempt_key: str
) -> tuple[Player, AttemptRow, Course, Lesson]:
    """The attempt, locked (after its player, in the workers' lock order)."""
    player = find_player(session, app_id, player_key)
    attempt_store.lock_player(session, player.id)
    attempt = attempt_store.attempt(session, player.id, attempt_key, lock=True)
    if attempt is None or attempt.lesson_key != lesson_key:
        raise NotFound(f"lesson '{lesson_key}' has no attempt '{attempt_key}' of this player")
    # The version the attempt started on, even if a newer one has been imported since.
    course = courses.get(session, attempt.course_id, attempt.version)
    lesson = course.lesson(lesson_key)
    assert lesson is not None
    return player, attempt, course, lesson


def record_answer(
    session: Session,
    app_id: int,
    player_key: str,
    lesson_key: str,
    attempt_key: str,
    given: AnswerGiven,
    now: datetime,
) -> tuple[AnswerView, bool]:
    """The answer, judged (from `response`) or as the client judged it (`correct`);
    returns it and whether it is a replay of the same answer."""
    _, attempt, _, lesson = _open_attempt(session, app_id, player_key, lesson_key, attempt_key)
    if attempt.status != "open":
        raise AttemptSubmitted(f"attempt '{attempt_key}' is submitted: it takes no more answers")
    question = lesson.question(given.question)
    if question is None:
        raise InvalidInput(
            f"lesson '{lesson_key}' (version {attempt.version}) has no question '{given.question}'",
            errors=[{"loc": ["question"], "message": "not a question of the lesson"}],
        )
    correct = question.judge(given.response) if given.response is not None else given.correct
    assert correct is not None
    existing = attempt_store.answer(session, attempt.id, question.id)
    if existing is not None:
        same = (existing.correct, existing.response, existing.time_ms, existing.hint_used) == (
            correct,
            given.response,
            given.time_ms,
            given.hint_used,
        )
        if not same:
            raise AnswerConflict(
                f"question '{question.id}' of this attempt is already answered otherwise"
            )
        return _answer_view(existing, question.answers), True
    row = attempt_store.add_answer(
        session,
        AnswerRow(
            attempt_id=attempt.id,
            question=question.id,
            correct=correct,
            response=given.response,
            time_ms=given.time_ms,
            hint_used=given.hint_used,
            answered_at=now,
        ),
    )
    return _answer_view(row, question.answers), False


def attempt_view(
    session: Session, app_id: int, player_key: str, lesson_key: str, attempt_key: str
) -> AttemptView:
    player = find_player(session, app_id, player_key)
    attempt = attempt_store.attempt(session, player.id, attempt_key)
    if attempt is None or attempt.lesson_key != lesson_key:
        raise NotFound(f"lesson '{lesson_key}' has no attempt '{attempt_key}' of this player")
    course = courses.get(session, attempt.course_id, attempt.version)
    lesson = course.lesson(lesson_key)
    assert lesson is not None
    return _view(
        player_key, course.id, lesson, attempt, attempt_store.answers_of(session, attempt.id)
    )


def submit_attempt(
    flow: EventFlow,
    app_id: int,
    player_key: str,
    lesson_key: str,
    attempt_key: str,
    *,
    wait: bool,
    now: datetime,
) -> AttemptView:
    """Score the attempt and send `lesson.completed` into the event flow — once: a retry,
    or a second submit racing this one, answers the first one's result."""
    with flow.database.transaction() as session:
        player, attempt, course, lesson = _open_attempt(
            session, app_id, player_key, lesson_key, attempt_key
        )
        duplicate = attempt.status == "submitted"
        answers = attempt_store.answers_of(session, attempt.id)
        if not duplicate:
            _submit(session, flow, player, attempt, course, lesson, answers, now)
        view = _view(player_key, course.id, lesson, attempt, answers)
        assert attempt.event_key is not None
        seq = attempt_store.event_seq(session, app_id, attempt.event_key)
        player_id = player.id
    assert seq is not None
    status = flow.settle(player_id, seq) if wait else flow.status(seq)
    return _replace_event(view, status, duplicate)


def _submit(
    session: Session,
    flow: EventFlow,
    player: Player,
    attempt: AttemptRow,
    course: Course,
    lesson: Lesson,
    answers: list[AnswerRow],
    now: datetime,
) -> None:
    score = score_attempt(lesson, {row.question: row.correct for row in answers})
    first_pass = score.passed and not attempt_store.has_passed(session, player.id, lesson.id)
    attempt.status = "submitted"
    attempt.submitted_at = now
    attempt.correct, attempt.total, attempt.score = score.correct, score.total, score.percent
    attempt.passed = score.passed
    attempt.xp = lesson.xp
    attempt.event_key = f"lesson-{attempt.key}"
    if score.passed:
        # The lesson's cards enter the player's review queue as new cards.
        course_store.introduce_cards(
            session,
            player.id,
            course_store.card_rows(session, attempt.course_id, lesson.cards),
            now,
        )
    properties: dict[str, Any] = {
        "course": course.id,
        "unit": lesson.unit,
        "lesson": lesson.id,
        "lesson_type": lesson.type,
        "attempt": attempt.key,
        "content_version": attempt.version,
        "score": score.percent,
        "correct": score.correct,
        "total": score.total,
        "passed": score.passed,
        "perfect": score.perfect,
        "first_pass": first_pass,
        "pass_score": lesson.pass_score,
        "xp": lesson.xp,
        "hints": sum(1 for row in answers if row.hint_used),
        "duration_s": sum(row.time_ms for row in answers) // 1000,
    }
    flow.append(
        session,
        attempt.app_id,
        [
            NewEvent(
                type=LESSON_COMPLETED,
                player=player.external_id,
                key=attempt.event_key,
                occurred_at=now,
                properties=properties,
            )
        ],
        now,
    )
    session.flush()


def _answer_view(row: AnswerRow, accepted: tuple[str, ...]) -> AnswerView:
    return AnswerView(
        row.question,
        row.correct,
        row.response,
        row.time_ms,
        row.hint_used,
        row.answered_at,
        accepted,
    )


def _view(
    player_key: str, course_key: str, lesson: Lesson, attempt: AttemptRow, answers: list[AnswerRow]
) -> AttemptView:
    accepted = {question.id: question.answers for question in lesson.questions}
    result = None
    if attempt.status == "submitted":
        assert attempt.correct is not None
        assert attempt.total is not None
        assert attempt.score is not None
        assert attempt.xp is not None
        result = AttemptResult(
            attempt.correct,
            attempt.total,
            attempt.score,
            bool(attempt.passed),
            lesson.pass_score,
            attempt.xp,
        )
    return AttemptView(
        id=attempt.key,
        player=player_key,
        course=course_key,
        version=attempt.version,
        lesson=lesson,
        status=attempt.status,
        started_at=attempt.started_at,
        submitted_at=attempt.submitted_at,
        answers=[_answer_view(row, accepted.get(row.question, ())) for row in answers],
        result=result,
        event_id=attempt.event_key,
    )


def _replace_event(view: AttemptView, status: EventStatus, duplicate: bool) -> AttemptView:
    return replace(view, event=status, duplicate=duplicate)
