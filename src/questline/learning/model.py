"""Courses as plain data, and the rules that live on them: judging an answer, scoring an
attempt, which lessons a player has unlocked, and how a day's review queue is mixed.

Pure: no I/O. Courses come from `content.parse_course`; the service feeds in what the
player has done.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import TypeVar

from questline.engine.periods import zone

_SPACES = re.compile(r"\s+")
# Punctuation a learner may or may not type around an answer: "¡Hola!" is "hola".
_EDGE_PUNCTUATION = "".join(
    ["¡", "!", "¿", "?", ".", ",", ";", ":", '"', "'", "«", "»", "“", "”", "‘", "’", "…"]
)


def normalize_answer(text: str) -> str:
    """How two answers are compared: Unicode-normalized, case-folded, spaces collapsed,
    punctuation at either end dropped. Accents count: "adios" is not "adiós"."""
    folded = unicodedata.normalize("NFC", text).casefold()
    return _SPACES.sub(" ", folded).strip().strip(_EDGE_PUNCTUATION).strip()


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    type: str  # choice | text
    prompt: str
    choices: tuple[str, ...]
    answers: tuple[str, ...]  # the accepted responses
    hint: str | None = None
    audio_url: str | None = None
    image_url: str | None = None

    def judge(self, response: str) -> bool:
        given = normalize_answer(response)
        return any(given == normalize_answer(accepted) for accepted in self.answers)


@dataclass(frozen=True, slots=True)
class Card:
    id: str
    word: str
    translation: str
    position: int  # the order cards are first met in the course
    audio_url: str | None = None
    image_url: str | None = None
    example: str | None = None


@dataclass(frozen=True, slots=True)
class Lesson:
    id: str
    unit: str
    order: int  # 1-based, through the whole course
    title: str
    type: str
    pass_score: int  # percent
    xp: int
    prerequisite: str | None
    cards: tuple[str, ...]
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    order: int  # 1-based
    title: str
    description: str | None
    colour: str | None
    icon: str | None
    lessons: tuple[Lesson, ...]


@dataclass(frozen=True, slots=True)
class Course:
    id: str
    title: str
    description: str | None
    language: str | None
    source_language: str | None
    units: tuple[Unit, ...]
    cards: tuple[Card, ...]  # in the document's order; `Card.position` is the course's

    @property
    def lessons(self) -> tuple[Lesson, ...]:
        return tuple(lesson for unit in self.units for lesson in unit.lessons)

    def lesson(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)

    def cards_of(self, lesson: Lesson) -> list[Card]:
        by_id = {card.id: card for card in self.cards}
        return [by_id[card_id] for card_id in lesson.cards]


@dataclass(frozen=True, slots=True)
class Score:
    correct: int
    total: int
    percent: int  # rounded down: 2 of 3 is 66
    passed: bool
    perfect: bool


def score_attempt(lesson: Lesson, judged: Mapping[str, bool]) -> Score:
    """Correct answers over the lesson's questions; an unanswered question is wrong.
    A lesson without questions is passed by taking it."""
    total = len(lesson.questions)
    correct = sum(1 for q in lesson.questions if judged.get(q.id, False))
    percent = 100 if total == 0 else correct * 100 // total
    return Score(correct, total, percent, percent >= lesson.pass_score, correct == total)


class LessonStatus(StrEnum):
    LOCKED = "locked"
    AVAILABLE = "available"
    PASSED = "passed"


def lesson_status(lesson: Lesson, passed: Iterable[str]) -> LessonStatus:
    done = set(passed)
    if lesson.id in done:
        return LessonStatus.PASSED
    if lesson.prerequisite is not None and lesson.prerequisite not in done:
        return LessonStatus.LOCKED
    return LessonStatus.AVAILABLE


def next_lesson(course: Course, passed: Iterable[str]) -> Lesson | None:
    """The first lesson, in course order, that the player has unlocked and not passed."""
    done = set(passed)
    for lesson in course.lessons:
        if lesson_status(lesson, done) is LessonStatus.AVAILABLE:
            return lesson
    return None


@dataclass(frozen=True, slots=True)
class LocalDay:
    """A player's calendar day: its date and the instants it starts and ends (UTC). It
    lasts 23 or 25 hours on a daylight-saving night — never "now minus 24 hours"."""

    date: date
    starts_at: datetime
    ends_at: datetime


def midnight(day: date, time_zone: str) -> datetime:
    # Resolved with that day's own offset, then in UTC: wall-clock arithmetic inside one
    # zone would make every day 24 hours long.
    return datetime.combine(day, time(0), tzinfo=zone(time_zone)).astimezone(UTC)


def local_day(at: datetime, time_zone: str) -> LocalDay:
    if at.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    today = at.astimezone(zone(time_zone)).date()
    return LocalDay(
        today, midnight(today, time_zone), midnight(today + timedelta(days=1), time_zone)
    )


def following_days(day: LocalDay, time_zone: str, count: int) -> list[LocalDay]:
    """`day` and the `count - 1` local days after it."""
    found = [day]
    for offset in range(1, count):
        later = day.date + timedelta(days=offset)
        found.append(
            LocalDay(
                later, midnight(later, time_zone), midnight(later + timedelta(days=1), time_zone)
            )
        )
    return found


T = TypeVar("T")


def mix_new_cards(
    due: Sequence[T], new: Sequence[T], *, due_total: int, new_total: int, limit: int
) -> list[T]:
    """The first `limit` entries of the day's queue: the `due_total` cards due today in
    due order, with the day's `new_total` new cards spread evenly among them (not all
    at the start or at the end). `due` and `new` are the heads of the two lists, at
    least `limit` long where the lists are that long."""
    mixed: list[T] = []
    reviews, fresh = iter(due), iter(new)
    taken = 0
    for index in range(new_total):
        # New card `index` comes after this many due cards: the gaps are equal.
        before = (index + 1) * due_total // (new_total + 1)
        while taken < before and len(mixed) < limit:
            following = next(reviews, None)
            if following is None:
                break
            mixed.append(following)
            taken += 1
        card = next(fresh, None)
        if len(mixed) >= limit or card is None:
            break
        mixed.append(card)
    for following in reviews:
        if len(mixed) >= limit:
            break
        mixed.append(following)
    return mixed[:limit]
