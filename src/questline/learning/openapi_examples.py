"""The course document's models in the OpenAPI schema: a description and an example of
each, read from one example course validated as an import would (the API's composition
root hands them to the schema, as the module's routes are handed to the app)."""

from __future__ import annotations

from functools import cache
from typing import Any

from questline.api.http.openapi_designs import model_docs
from questline.learning.content import CourseSpec

EXAMPLE_COURSE: dict[str, Any] = {
    "id": "spanish-basics",
    "title": "Spanish basics",
    "language": "es",
    "source_language": "en",
    "units": [
        {
            "id": "basics",
            "title": "Basics",
            "lessons": [
                {
                    "id": "greetings",
                    "title": "Greetings",
                    "cards": ["es-hola"],
                    "questions": [
                        {
                            "id": "q1",
                            "prompt": "How do you say “hello”?",
                            "choices": ["hola", "adiós"],
                            "answers": ["hola"],
                        }
                    ],
                }
            ],
        }
    ],
    "cards": [{"id": "es-hola", "word": "hola", "translation": "hello"}],
}

DESCRIPTIONS: dict[str, str] = {
    "CourseSpec": "A course document: units of lessons and the vocabulary cards.",
    "UnitSpec": "A unit of a course: its lessons in order.",
    "LessonSpec": "A lesson: its questions, cards, pass score and XP.",
    "QuestionSpec": "A question of a lesson and its accepted answers.",
    "CardSpec": "A vocabulary card for spaced-repetition reviews.",
}


@cache
def course_docs() -> dict[str, tuple[str, Any]]:
    return model_docs(CourseSpec.model_validate(EXAMPLE_COURSE), DESCRIPTIONS)
