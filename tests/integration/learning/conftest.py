"""A small course and the calls a learning client makes, over HTTP."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from tests.integration.conftest import Api

COURSE: dict[str, Any] = {
    "title": "Spanish basics",
    "language": "es",
    "source_language": "en",
    "units": [
        {
            "id": "basics-1",
            "title": "Basics 1",
            "colour": "#58CC02",
            "icon": "egg",
            "lessons": [
                {
                    "id": "greetings",
                    "title": "Greetings",
                    "type": "vocabulary",
                    "pass_score": 50,
                    "xp": 10,
                    "cards": ["hola", "adios"],
                    "questions": [
                        {
                            "id": "q1",
                            "prompt": "Hello",
                            "choices": ["hola", "adiós"],
                            "answers": ["hola"],
                        },
                        {"id": "q2", "prompt": "Type: goodbye", "answers": ["adiós"]},
                    ],
                },
                {
                    "id": "family",
                    "title": "Family",
                    "xp": 15,
                    "cards": ["madre"],
                    "questions": [{"id": "q1", "prompt": "Mother", "answers": ["madre"]}],
                },
            ],
        },
        {
            "id": "basics-2",
            "title": "Basics 2",
            "lessons": [
                {
                    "id": "food",
                    "title": "Food",
                    "cards": ["pan"],
                    "questions": [{"id": "q1", "prompt": "Bread", "answers": ["pan"]}],
                }
            ],
        },
    ],
    "cards": [
        {"id": "hola", "word": "hola", "translation": "hello"},
        {"id": "adios", "word": "adiós", "translation": "goodbye"},
        {"id": "madre", "word": "madre", "translation": "mother"},
        {"id": "pan", "word": "pan", "translation": "bread"},
    ],
}


def course(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(COURSE)
    document.update(changes)
    return document


class LearningApi(Api):
    def import_course(
        self, document: dict[str, Any], course_id: str = "spanish", expect: int | None = 201
    ) -> Any:
        return self.request(
            "PUT",
            f"/v1/courses/{course_id}",
            content=yaml.safe_dump(document, allow_unicode=True).encode(),
            headers={"Content-Type": "application/yaml"},
            expect=expect,
        )

    def start(self, player: str, lesson: str, expect: int | None = 201) -> Any:
        return self.post(f"/v1/players/{player}/lessons/{lesson}/attempts", expect=expect)

    def answer(
        self, player: str, lesson: str, attempt: str, expect: int | None = 201, **body: Any
    ) -> Any:
        return self.post(
            f"/v1/players/{player}/lessons/{lesson}/attempts/{attempt}/answers",
            json=body,
            expect=expect,
        )

    def submit(
        self, player: str, lesson: str, attempt: str, *, wait: bool = True, expect: int = 200
    ) -> dict[str, Any]:
        response = self.post(
            f"/v1/players/{player}/lessons/{lesson}/attempts/{attempt}/submit",
            params={"wait": str(wait).lower()},
            expect=expect,
        )
        return dict(response.json())

    def pass_lesson(self, player: str, lesson: str, answers: dict[str, str]) -> dict[str, Any]:
        attempt = self.start(player, lesson).json()["id"]
        for question, response in answers.items():
            self.answer(player, lesson, attempt, question=question, response=response)
        result = self.submit(player, lesson, attempt)
        assert result["result"]["passed"], result
        return result

    def review(self, player: str, expect: int | None = 201, **body: Any) -> Any:
        return self.post(f"/v1/players/{player}/reviews", json=body, expect=expect)


GREETINGS = {"q1": "hola", "q2": "adiós"}


# The smallest design that turns the module on for the app.
LEARNING_ON = "modules: [learning]\n"


@pytest.fixture
def learning(api: Api) -> LearningApi:
    api.publish(LEARNING_ON)
    return LearningApi(api.client)
