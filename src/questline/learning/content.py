"""The course document: one YAML or JSON document per course, checked whole, every
problem reported with its location (`loc`) in the document.

```yaml
id: spanish-basics
title: Spanish basics
language: es
source_language: en
units:
  - id: basics-1
    title: Basics 1
    colour: "#58CC02"
    icon: egg
    lessons:
      - id: greetings
        title: Greetings
        type: vocabulary
        pass_score: 70          # percent of questions right
        xp: 10
        # prerequisite: a lesson id, or null; default: the lesson before it
        cards: [hola, adios]    # the cards this lesson introduces
        questions:
          - {id: q1, prompt: "Hello", choices: [hola, adiós], answers: [hola]}
          - {id: q2, prompt: "Type: goodbye", answers: [adiós]}
cards:
  - {id: hola, word: hola, translation: hello, audio_url: "https://cdn.example.com/hola.mp3"}
  - {id: adios, word: adiós, translation: goodbye}
```
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from questline.errors import MalformedBody
from questline.learning.errors import InvalidCourse
from questline.learning.model import Card, Course, Lesson, Question, Unit
from questline.yamlfile import load_yaml

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")]
Short = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Url = Annotated[str, StringConstraints(max_length=2000, pattern=r"^(https?://|/)\S+$")]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")]
LessonType = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,30}$")]

MAX_CARDS = 50_000


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionSpec(_Spec):
    id: Id
    type: Literal["choice", "text"] | None = Field(
        default=None,
        description="choice (pick one of `choices`) or text (typed); default:"
        " choice when there are choices",
    )
    prompt: Text
    choices: list[Short] = Field(default_factory=list, max_length=20)
    answers: list[Short] = Field(min_length=1, max_length=50, description="accepted answers")
    hint: Text | None = None
    audio_url: Url | None = None
    image_url: Url | None = None


class LessonSpec(_Spec):
    id: Id
    title: Short
    type: LessonType = "lesson"
    pass_score: int = Field(default=70, ge=0, le=100)
    xp: int = Field(default=10, ge=0, le=100_000)
    prerequisite: Id | None = None
    cards: list[Id] = Field(default_factory=list, max_length=1000)
    questions: list[QuestionSpec] = Field(default_factory=list, max_length=200)


class UnitSpec(_Spec):
    id: Id
    title: Short
    description: Text | None = None
    colour: Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")] | None = None
    icon: Short | None = None
    lessons: list[LessonSpec] = Field(min_length=1, max_length=200)


class CardSpec(_Spec):
    id: Id
    word: Short
    translation: Short
    audio_url: Url | None = None
    image_url: Url | None = None
    example: Text | None = None


class CourseSpec(_Spec):
    id: Id | None = None
    title: Short
    description: Text | None = None
    language: Language | None = Field(default=None, description="the language taught")
    source_language: Language | None = Field(default=None, description="the learner's")
    units: list[UnitSpec] = Field(min_length=1, max_length=200)
    cards: list[CardSpec] = Field(default_factory=list, max_length=MAX_CARDS)


Issue = dict[str, Any]
# A course nests six levels deep; a parser recursing through thousands is refused, not
# left to fail the request.
_TOO_DEEP = "the body nests lists or mappings too deeply"


def load_document(raw: bytes, content_type: str) -> Any:
    """The document in a request body: JSON if the content type says so, else YAML (as
    game designs are read: YAML 1.2 booleans, no aliases, no key twice)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedBody("the course must be UTF-8 text") from None
    if "json" in content_type:
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise MalformedBody(
                f"the body is not valid JSON: {error.msg}"
                f" at line {error.lineno}, column {error.colno}"
            ) from None
        except RecursionError:
            raise MalformedBody(_TOO_DEEP) from None
    try:
        return load_yaml(text)
    except RecursionError:
        raise MalformedBody(_TOO_DEEP) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise MalformedBody(f"the body is not valid YAML: {problem}{where}") from None


def parse_course(document: Any, course_id: str) -> tuple[Course, dict[str, Any]]:
    """The course a document describes, and the document normalized (every default and
    every prerequisite written out) — the form stored as a version. Raises InvalidCourse
    naming every problem found."""
    if not isinstance(document, dict):
        raise InvalidCourse(
            "a course is a mapping with keys such as title, units and cards",
            errors=[{"loc": [], "message": "expected a mapping at the top level"}],
        )
    try:
        spec = CourseSpec.model_validate(document)
    except ValidationError as error:
        raise _invalid(
            [{"loc": list(e["loc"]), "message": e["msg"]} for e in error.errors(include_url=False)]
        ) from None
    issues: list[Issue] = []
    if spec.id is not None and spec.id != course_id:
        issues.append(
            {
                "loc": ["id"],
                "message": f"the document is course '{spec.id}', not"
                f" '{course_id}' (the id in the URL)",
            }
        )
    prerequisites = _prerequisites(spec)
    _check_ids(spec, issues)
    _check_prerequisites(spec, prerequisites, issues)
    positions = _check_cards(spec, issues)
    if issues:
        raise _invalid(issues)
    return _course(spec, course_id, prerequisites, positions), _normalized(
        spec, course_id, prerequisites
    )


def digest(document: dict[str, Any]) -> str:
    """Names a normalized document: importing the same content again changes nothing."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _invalid(issues: list[Issue]) -> InvalidCourse:
    listed = "; ".join(f"{'.'.join(map(str, i['loc']))}: {i['message']}" for i in issues[:5])
    return InvalidCourse(f"{len(issues)} problem(s) in the course: {listed}", errors=issues)


def _lesson_places(spec: CourseSpec) -> list[tuple[int, int, LessonSpec]]:
    return [
        (u, n, lesson) for u, unit in enumerate(spec.units) for n, lesson in enumerate(unit.lessons)
    ]


def _prerequisites(spec: CourseSpec) -> dict[str, str | None]:
    """Each lesson's prerequisite: as written, or (left out) the lesson before it."""
    found: dict[str, str | None] = {}
    previous: str | None = None
    for _, _, lesson in _lesson_places(spec):
        given = "prerequisite" in lesson.model_fields_set
        found.setdefault(lesson.id, lesson.prerequisite if given else previous)
        previous = lesson.id
    return found


def _check_ids(spec: CourseSpec, issues: list[Issue]) -> None:
    seen_units: set[str] = set()
    for u, unit in enumerate(spec.units):
        if unit.id in seen_units:
            issues.append(
                {"loc": ["units", u, "id"], "message": f"unit id '{unit.id}' is used twice"}
            )
        seen_units.add(unit.id)
    seen_lessons: set[str] = set()
    for u, n, lesson in _lesson_places(spec):
        where = ["units", u, "lessons", n]
        if lesson.id in seen_lessons:
            issues.append(
                {"loc": [*where, "id"], "message": f"lesson id '{lesson.id}' is used twice"}
            )
        seen_lessons.add(lesson.id)
        seen_questions: set[str] = set()
        for q, question in enumerate(lesson.questions):
            at = [*where, "questions", q]
            if question.id in seen_questions:
                issues.append(
                    {"loc": [*at, "id"], "message": f"question id '{question.id}' is used twice"}
                )
            seen_questions.add(question.id)
            _check_question(question, at, issues)


def _check_question(question: QuestionSpec, at: list[Any], issues: list[Issue]) -> None:
    kind = question.type or ("choice" if question.choices else "text")
    if kind == "text" and question.choices:
        issues.append({"loc": [*at, "choices"], "message": "a text question has no choices"})
    if kind == "choice":
        if len(question.choices) < 2:
            issues.append(
                {"loc": [*at, "choices"], "message": "a choice question needs at least 2 choices"}
            )
        offered = {choice.casefold() for choice in question.choices}
        for a, answer in enumerate(question.answers):
            if answer.casefold() not in offered:
                issues.append(
                    {"loc": [*at, "answers", a], "message": f"'{answer}' is not one of the choices"}
                )


def _check_prerequisites(
    spec: CourseSpec, prerequisites: dict[str, str | None], issues: list[Issue]
) -> None:
    lessons = {lesson.id for _, _, lesson in _lesson_places(spec)}
    for u, n, lesson in _lesson_places(spec):
        wanted = prerequisites.get(lesson.id)
        where = ["units", u, "lessons", n, "prerequisite"]
        if wanted is None:
            continue
        if wanted == lesson.id:
            issues.append({"loc": where, "message": "a lesson cannot require itself"})
        elif wanted not in lessons:
            issues.append({"loc": where, "message": f"no lesson '{wanted}' in this course"})
    # A cycle (a requires b, b requires a) would lock every lesson on it for good.
    for u, n, lesson in _lesson_places(spec):
        seen = {lesson.id}
        current = prerequisites.get(lesson.id)
        while current is not None and current in lessons:
            if current in seen:
                if current == lesson.id:
                    issues.append(
                        {
                            "loc": ["units", u, "lessons", n, "prerequisite"],
                            "message": f"lesson '{lesson.id}' requires itself through"
                            " other lessons",
                        }
                    )
                break
            seen.add(current)
            current = prerequisites.get(current)


def _check_cards(spec: CourseSpec, issues: list[Issue]) -> dict[str, int]:
    """Card ids are unique and every lesson's cards exist; returns each card's position:
    the order the course introduces them in."""
    declared: dict[str, int] = {}
    for c, card in enumerate(spec.cards):
        if card.id in declared:
            issues.append(
                {"loc": ["cards", c, "id"], "message": f"card id '{card.id}' is used twice"}
            )
        declared.setdefault(card.id, c)
    positions: dict[str, int] = {}
    for u, n, lesson in _lesson_places(spec):
        listed: set[str] = set()
        for k, card_id in enumerate(lesson.cards):
            where = ["units", u, "lessons", n, "cards", k]
            if card_id not in declared:
                issues.append(
                    {"loc": where, "message": f"no card '{card_id}' in the course's cards"}
                )
            elif card_id in listed:
                issues.append({"loc": where, "message": f"card '{card_id}' is listed twice"})
            else:
                positions.setdefault(card_id, len(positions))
            listed.add(card_id)
    for card_id, c in declared.items():
        if card_id not in positions:
            issues.append(
                {
                    "loc": ["cards", c],
                    "message": f"no lesson introduces card '{card_id}'"
                    " (list it in a lesson's cards)",
                }
            )
    return positions


def _course(
    spec: CourseSpec,
    course_id: str,
    prerequisites: dict[str, str | None],
    positions: dict[str, int],
) -> Course:
    units = []
    order = 0
    for u, unit in enumerate(spec.units):
        lessons = []
        for lesson in unit.lessons:
            order += 1
            lessons.append(
                Lesson(
                    id=lesson.id,
                    unit=unit.id,
                    order=order,
                    title=lesson.title,
                    type=lesson.type,
                    pass_score=lesson.pass_score,
                    xp=lesson.xp,
                    prerequisite=prerequisites[lesson.id],
                    cards=tuple(lesson.cards),
                    questions=tuple(_question(q) for q in lesson.questions),
                )
            )
        units.append(
            Unit(
                unit.id, u + 1, unit.title, unit.description, unit.colour, unit.icon, tuple(lessons)
            )
        )
    cards = [
        Card(c.id, c.word, c.translation, positions[c.id], c.audio_url, c.image_url, c.example)
        for c in spec.cards
    ]
    return Course(
        course_id,
        spec.title,
        spec.description,
        spec.language,
        spec.source_language,
        tuple(units),
        tuple(cards),
    )


def _question(spec: QuestionSpec) -> Question:
    return Question(
        id=spec.id,
        type=spec.type or ("choice" if spec.choices else "text"),
        prompt=spec.prompt,
        choices=tuple(spec.choices),
        answers=tuple(spec.answers),
        hint=spec.hint,
        audio_url=spec.audio_url,
        image_url=spec.image_url,
    )


def _normalized(
    spec: CourseSpec, course_id: str, prerequisites: dict[str, str | None]
) -> dict[str, Any]:
    document = spec.model_dump(mode="json")
    document["id"] = course_id
    for unit in document["units"]:
        for lesson in unit["lessons"]:
            lesson["prerequisite"] = prerequisites[lesson["id"]]
            for question in lesson["questions"]:
                question["type"] = question["type"] or ("choice" if question["choices"] else "text")
    return document


def course_from_normalized(document: dict[str, Any]) -> Course:
    """A stored (normalized) version's course: already checked when it was imported."""
    course, _ = parse_course(document, str(document["id"]))
    return course
