"""Request and response models of lesson attempts and progress, each with an example,
and how a service's result becomes one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator
from pydantic.config import JsonDict

from questline.api.http.effect_schemas import EFFECT_EXAMPLE, Effects
from questline.learning.attempts import AnswerView, AttemptView
from questline.learning.progress import CourseProgress
from questline.learning.schema_types import CardId, request_with_example, with_example
from questline.processing.submission import EventStatus

_T = "2026-11-21T16:35:51Z"


class AnswerIn(BaseModel):
    """A player's answer to one question of the attempt: give `response` (what they
    answered; Questline judges it) or `correct` (the client judged it), not both."""

    model_config = request_with_example(
        {"question": "q1", "response": "hola", "time_ms": 4200, "hint_used": False}
    )

    question: CardId
    response: Annotated[str, StringConstraints(max_length=2000)] | None = None
    correct: bool | None = None
    time_ms: int = Field(default=0, ge=0, le=86_400_000, description="time spent on it")
    hint_used: bool = False

    @model_validator(mode="after")
    def _one_judgement(self) -> AnswerIn:
        if (self.response is None) == (self.correct is None):
            raise ValueError("give either `response` (to be judged) or `correct`, not both")
        return self


_ANSWER: JsonDict = {
    "question": "q1",
    "correct": True,
    "response": "hola",
    "time_ms": 4200,
    "hint_used": False,
    "answered_at": _T,
    "accepted": ["hola"],
}


class AnswerOut(BaseModel):
    """A recorded answer, with the question's accepted answers."""

    model_config = with_example(_ANSWER)

    question: str
    correct: bool
    response: str | None = None
    time_ms: int
    hint_used: bool
    answered_at: datetime
    accepted: list[str]

    @classmethod
    def of(cls, answer: AnswerView) -> AnswerOut:
        return cls(**{**answer.__dict__, "accepted": list(answer.accepted)})


_ATTEMPT_QUESTION: JsonDict = {
    "id": "q1",
    "type": "choice",
    "prompt": "Hello",
    "choices": ["hola", "adiós"],
    "hint": None,
    "audio_url": None,
    "image_url": None,
}


class AttemptQuestionOut(BaseModel):
    """A question as a player sees it: without its answers."""

    model_config = with_example(_ATTEMPT_QUESTION)

    id: str
    type: Literal["choice", "text"]
    prompt: str
    choices: list[str]
    hint: str | None = None
    audio_url: str | None = None
    image_url: str | None = None


_RESULT: JsonDict = {
    "correct": 9,
    "total": 10,
    "score": 90,
    "passed": True,
    "pass_score": 70,
    "xp": 10,
}


class AttemptResultOut(BaseModel):
    """A submitted attempt's score: correct answers over the lesson's questions (an
    unanswered question is wrong), in percent rounded down, against the pass score."""

    model_config = with_example(_RESULT)

    correct: int
    total: int
    score: int
    passed: bool
    pass_score: int
    xp: int


_EVENT: JsonDict = {
    "id": "lesson-att_5f0c2d1e9a8b7c6d5e4f",
    "status": "processed",
    "effects": [{**EFFECT_EXAMPLE, "rule": "lesson-xp", "amount": 10, "balance_after": 30}],
    "error": None,
}


class EventRefOut(BaseModel):
    """The event an attempt or review sent into the game, and what it caused so far
    (`effects` once processed; ask with `wait=true` to have them in the answer)."""

    model_config = with_example(_EVENT)

    id: str
    status: Literal["pending", "processed", "failed"]
    effects: Effects = None
    error: str | None = None

    @classmethod
    def of(cls, key: str, status: EventStatus) -> EventRefOut:
        state: Literal["pending", "processed", "failed"] = (
            "processed"
            if status.status == "processed"
            else "failed"
            if status.status == "failed"
            else "pending"
        )
        return cls(
            id=key,
            status=state,
            effects=status.effects if state == "processed" else None,
            error=status.error,
        )


class AttemptOut(BaseModel):
    """A lesson attempt: pinned to the course version it started on, its questions (no
    answers), the answers given, and once submitted its result and event."""

    model_config = with_example(
        {
            "id": "att_5f0c2d1e9a8b7c6d5e4f",
            "player": "ada",
            "course": "spanish-basics",
            "lesson": "greetings",
            "content_version": 3,
            "status": "submitted",
            "started_at": _T,
            "submitted_at": _T,
            "questions": [_ATTEMPT_QUESTION],
            "answers": [_ANSWER],
            "result": _RESULT,
            "event": _EVENT,
            "duplicate": False,
        }
    )

    id: str
    player: str
    course: str
    lesson: str
    content_version: int
    status: Literal["open", "submitted"]
    started_at: datetime
    submitted_at: datetime | None = None
    questions: list[AttemptQuestionOut]
    answers: list[AnswerOut]
    result: AttemptResultOut | None = None
    event: EventRefOut | None = None
    duplicate: bool = Field(description="a submit sent again: this is the first one's result")

    @classmethod
    def of(cls, view: AttemptView) -> AttemptOut:
        return cls(
            id=view.id,
            player=view.player,
            course=view.course,
            lesson=view.lesson.id,
            content_version=view.version,
            status="submitted" if view.status == "submitted" else "open",
            started_at=view.started_at,
            submitted_at=view.submitted_at,
            questions=[
                AttemptQuestionOut(
                    id=q.id,
                    type="choice" if q.type == "choice" else "text",
                    prompt=q.prompt,
                    choices=list(q.choices),
                    hint=q.hint,
                    audio_url=q.audio_url,
                    image_url=q.image_url,
                )
                for q in view.lesson.questions
            ],
            answers=[AnswerOut.of(a) for a in view.answers],
            result=AttemptResultOut(**view.result.__dict__) if view.result else None,
            event=(
                EventRefOut.of(view.event_id, view.event)
                if view.event is not None and view.event_id is not None
                else None
            ),
            duplicate=view.duplicate,
        )


# Progress

_LESSON_PROGRESS: JsonDict = {
    "id": "greetings",
    "order": 1,
    "title": "Greetings",
    "type": "vocabulary",
    "status": "passed",
    "attempts": 2,
    "best_score": 90,
    "pass_score": 70,
    "xp": 10,
    "passed_at": _T,
}


class LessonProgressOut(BaseModel):
    """A lesson as one player stands with it: locked, available or passed."""

    model_config = with_example(_LESSON_PROGRESS)

    id: str
    order: int
    title: str
    type: str
    status: Literal["locked", "available", "passed"]
    attempts: int
    best_score: int | None = None
    pass_score: int
    xp: int
    passed_at: datetime | None = None


_UNIT_PROGRESS: JsonDict = {
    "id": "basics-1",
    "order": 1,
    "title": "Basics 1",
    "colour": "#58CC02",
    "icon": "egg",
    "lessons_passed": 1,
    "lessons_total": 4,
    "completed": False,
    "xp": 10,
    "lessons": [_LESSON_PROGRESS],
}


class UnitProgressOut(BaseModel):
    """A unit as one player stands with it; `xp` is the lesson XP of their passed
    attempts in it (what the game design awards on top is in the ledger)."""

    model_config = with_example(_UNIT_PROGRESS)

    id: str
    order: int
    title: str
    colour: str | None = None
    icon: str | None = None
    lessons_passed: int
    lessons_total: int
    completed: bool
    xp: int
    lessons: list[LessonProgressOut]


class ProgressOut(BaseModel):
    """A player's progress in a course's current version."""

    model_config = with_example(
        {
            "course": "spanish-basics",
            "version": 3,
            "lessons_passed": 1,
            "lessons_total": 12,
            "percent": 8.3,
            "next_lesson": "family",
            "xp": 10,
            "answers_correct": 17,
            "answers_total": 20,
            "accuracy": 0.85,
            "units": [_UNIT_PROGRESS],
        }
    )

    course: str
    version: int
    lessons_passed: int
    lessons_total: int
    percent: float
    next_lesson: str | None = None
    xp: int
    answers_correct: int
    answers_total: int
    accuracy: float | None = Field(
        description="correct answers over every question of every"
        " submitted attempt; null before the first"
    )
    units: list[UnitProgressOut]

    @classmethod
    def of(cls, progress: CourseProgress) -> ProgressOut:
        units = []
        for unit in progress.units:
            units.append(
                UnitProgressOut(
                    id=unit.unit.id,
                    order=unit.unit.order,
                    title=unit.unit.title,
                    colour=unit.unit.colour,
                    icon=unit.unit.icon,
                    lessons_passed=unit.passed,
                    lessons_total=len(unit.lessons),
                    completed=unit.passed == len(unit.lessons),
                    xp=unit.xp,
                    lessons=[
                        LessonProgressOut(
                            id=p.lesson.id,
                            order=p.lesson.order,
                            title=p.lesson.title,
                            type=p.lesson.type,
                            status=p.status.value,
                            attempts=p.attempts,
                            best_score=p.best_score,
                            pass_score=p.lesson.pass_score,
                            xp=p.lesson.xp,
                            passed_at=p.passed_at,
                        )
                        for p in unit.lessons
                    ],
                )
            )
        return cls(
            course=progress.course.id,
            version=progress.version,
            lessons_passed=progress.passed,
            lessons_total=progress.total,
            percent=round(100 * progress.passed / progress.total, 1) if progress.total else 100.0,
            next_lesson=progress.next_lesson,
            xp=progress.xp,
            answers_correct=progress.answers_correct,
            answers_total=progress.answers_total,
            accuracy=progress.accuracy,
            units=units,
        )
