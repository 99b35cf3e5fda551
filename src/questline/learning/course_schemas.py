"""Response models of course content, each with an example, and how a service's result
becomes one. (Attempts and progress: `attempt_schemas`; reviews: `review_schemas`; what
they all share: `schema_types`.)"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from pydantic.config import JsonDict

from questline.learning.model import Card, Lesson, Question, Unit
from questline.learning.schema_types import with_example
from questline.learning.service import (
    CourseSummary,
    CourseVersionInfo,
    Imported,
    LessonContent,
)

_T = "2026-11-21T16:35:51Z"
_VERSION: JsonDict = {
    "course": "spanish-basics",
    "version": 3,
    "title": "Spanish basics",
    "comment": "fix a typo in unit 2",
    "created_by": "user:ada@example.com",
    "created_at": _T,
    "units": 3,
    "lessons": 12,
    "cards": 120,
}


class CourseVersionOut(BaseModel):
    """One imported version of a course."""

    model_config = with_example(_VERSION)

    course: str
    version: int
    title: str
    comment: str | None = None
    created_by: str | None = None
    created_at: datetime
    units: int
    lessons: int
    cards: int

    @classmethod
    def of(cls, info: CourseVersionInfo) -> CourseVersionOut:
        return cls(**info.__dict__)


class CourseImportOut(CourseVersionOut):
    """The version an import made current; `changed` is false when the document was the
    current version's content again (nothing was added)."""

    model_config = with_example({**_VERSION, "changed": True})

    changed: bool

    @classmethod
    def of_import(cls, imported: Imported) -> CourseImportOut:
        return cls(**imported.version.__dict__, changed=imported.changed)


class CourseVersionList(BaseModel):
    """A course's versions, newest first."""

    model_config = with_example({"data": [_VERSION], "next_cursor": None})

    data: list[CourseVersionOut]
    next_cursor: str | None = None


_COURSE: JsonDict = {
    "id": "spanish-basics",
    "title": "Spanish basics",
    "description": "Greetings, food and travel.",
    "language": "es",
    "source_language": "en",
    "version": 3,
    "units": 3,
    "lessons": 12,
    "cards": 120,
    "created_at": _T,
    "updated_at": _T,
}


class CourseOut(BaseModel):
    """A course as its current version has it, in short."""

    model_config = with_example(_COURSE)

    id: str
    title: str
    description: str | None = None
    language: str | None = None
    source_language: str | None = None
    version: int
    units: int
    lessons: int
    cards: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, summary: CourseSummary) -> CourseOut:
        course = summary.course
        return cls(
            id=course.id,
            title=course.title,
            description=course.description,
            language=course.language,
            source_language=course.source_language,
            version=summary.version,
            units=len(course.units),
            lessons=len(course.lessons),
            cards=len(course.cards),
            created_at=summary.created_at,
            updated_at=summary.updated_at,
        )


class CourseList(BaseModel):
    """The app's courses."""

    model_config = with_example({"data": [_COURSE], "next_cursor": None})

    data: list[CourseOut]
    next_cursor: str | None = None


_LESSON_SUMMARY: JsonDict = {
    "id": "greetings",
    "order": 1,
    "title": "Greetings",
    "type": "vocabulary",
    "pass_score": 70,
    "xp": 10,
    "prerequisite": None,
    "questions": 10,
    "cards": 10,
}


class LessonSummaryOut(BaseModel):
    """A lesson in a course tree (`order` runs through the whole course)."""

    model_config = with_example(_LESSON_SUMMARY)

    id: str
    order: int
    title: str
    type: str
    pass_score: int
    xp: int
    prerequisite: str | None = None
    questions: int
    cards: int

    @classmethod
    def of(cls, lesson: Lesson) -> LessonSummaryOut:
        return cls(
            id=lesson.id,
            order=lesson.order,
            title=lesson.title,
            type=lesson.type,
            pass_score=lesson.pass_score,
            xp=lesson.xp,
            prerequisite=lesson.prerequisite,
            questions=len(lesson.questions),
            cards=len(lesson.cards),
        )


_UNIT: JsonDict = {
    "id": "basics-1",
    "order": 1,
    "title": "Basics 1",
    "description": None,
    "colour": "#58CC02",
    "icon": "egg",
    "lessons": [_LESSON_SUMMARY],
}


class UnitOut(BaseModel):
    """A unit of a course and its lessons, in order."""

    model_config = with_example(_UNIT)

    id: str
    order: int
    title: str
    description: str | None = None
    colour: str | None = None
    icon: str | None = None
    lessons: list[LessonSummaryOut]

    @classmethod
    def of(cls, unit: Unit) -> UnitOut:
        return cls(
            id=unit.id,
            order=unit.order,
            title=unit.title,
            description=unit.description,
            colour=unit.colour,
            icon=unit.icon,
            lessons=[LessonSummaryOut.of(lesson) for lesson in unit.lessons],
        )


class CourseTreeOut(BaseModel):
    """A version of a course: its units and their lessons, in order."""

    model_config = with_example(
        {
            "id": "spanish-basics",
            "title": "Spanish basics",
            "description": None,
            "language": "es",
            "source_language": "en",
            "version": 3,
            "cards": 120,
            "units": [_UNIT],
        }
    )

    id: str
    title: str
    description: str | None = None
    language: str | None = None
    source_language: str | None = None
    version: int
    cards: int
    units: list[UnitOut]

    @classmethod
    def of(cls, summary: CourseSummary) -> CourseTreeOut:
        course = summary.course
        return cls(
            id=course.id,
            title=course.title,
            description=course.description,
            language=course.language,
            source_language=course.source_language,
            version=summary.version,
            cards=len(course.cards),
            units=[UnitOut.of(unit) for unit in course.units],
        )


_QUESTION: JsonDict = {
    "id": "q1",
    "type": "choice",
    "prompt": "Hello",
    "choices": ["hola", "adiós"],
    "answers": ["hola"],
    "hint": None,
    "audio_url": None,
    "image_url": None,
}


class QuestionOut(BaseModel):
    """A question with its accepted answers (for editors; players see them once answered)."""

    model_config = with_example(_QUESTION)

    id: str
    type: Literal["choice", "text"]
    prompt: str
    choices: list[str]
    answers: list[str]
    hint: str | None = None
    audio_url: str | None = None
    image_url: str | None = None

    @classmethod
    def of(cls, question: Question) -> QuestionOut:
        return cls(
            id=question.id,
            type="choice" if question.type == "choice" else "text",
            prompt=question.prompt,
            choices=list(question.choices),
            answers=list(question.answers),
            hint=question.hint,
            audio_url=question.audio_url,
            image_url=question.image_url,
        )


_CARD: JsonDict = {
    "id": "hola",
    "word": "hola",
    "translation": "hello",
    "audio_url": "https://cdn.example.com/es/hola.mp3",
    "image_url": None,
    "example": "¡Hola, Ana!",
}


class CardOut(BaseModel):
    """A vocabulary card."""

    model_config = with_example(_CARD)

    id: str
    word: str
    translation: str
    audio_url: str | None = None
    image_url: str | None = None
    example: str | None = None

    @classmethod
    def of(cls, card: Card) -> CardOut:
        return cls(
            id=card.id,
            word=card.word,
            translation=card.translation,
            audio_url=card.audio_url,
            image_url=card.image_url,
            example=card.example,
        )


class LessonOut(BaseModel):
    """A lesson of a course version, with its questions, answers and cards."""

    model_config = with_example(
        {
            "id": "greetings",
            "course": "spanish-basics",
            "version": 3,
            "unit": "basics-1",
            "order": 1,
            "title": "Greetings",
            "type": "vocabulary",
            "pass_score": 70,
            "xp": 10,
            "prerequisite": None,
            "questions": [_QUESTION],
            "cards": [_CARD],
        }
    )

    id: str
    course: str
    version: int
    unit: str
    order: int
    title: str
    type: str
    pass_score: int
    xp: int
    prerequisite: str | None = None
    questions: list[QuestionOut]
    cards: list[CardOut]

    @classmethod
    def of(cls, content: LessonContent) -> LessonOut:
        lesson = content.lesson
        return cls(
            id=lesson.id,
            course=content.course,
            version=content.version,
            unit=content.unit.id,
            order=lesson.order,
            title=lesson.title,
            type=lesson.type,
            pass_score=lesson.pass_score,
            xp=lesson.xp,
            prerequisite=lesson.prerequisite,
            questions=[QuestionOut.of(q) for q in lesson.questions],
            cards=[CardOut.of(card) for card in content.cards],
        )
