"""The course document: what it may say, and every mistake reported where it is."""

from __future__ import annotations

from typing import Any

import pytest

from questline.errors import MalformedBody
from questline.learning.content import digest, load_document, parse_course
from questline.learning.errors import InvalidCourse


def course(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "title": "Spanish basics",
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
                    {"id": "family", "title": "Family", "cards": ["madre"]},
                ],
            },
            {
                "id": "basics-2",
                "title": "Basics 2",
                "lessons": [{"id": "food", "title": "Food", "cards": ["pan", "hola"]}],
            },
        ],
        "cards": [
            {"id": "pan", "word": "pan", "translation": "bread"},
            {"id": "hola", "word": "hola", "translation": "hello"},
            {"id": "adios", "word": "adiós", "translation": "goodbye"},
            {"id": "madre", "word": "madre", "translation": "mother"},
        ],
    }
    document.update(changes)
    return document


def problems(document: Any) -> list[dict[str, Any]]:
    with pytest.raises(InvalidCourse) as raised:
        parse_course(document, "spanish")
    return raised.value.errors


def test_a_lesson_without_a_prerequisite_requires_the_lesson_before_it() -> None:
    parsed, _ = parse_course(course(), "spanish")
    assert [(lesson.id, lesson.prerequisite) for lesson in parsed.lessons] == [
        ("greetings", None),
        ("family", "greetings"),
        ("food", "family"),  # across units too
    ]
    assert [lesson.order for lesson in parsed.lessons] == [1, 2, 3]


def test_a_null_prerequisite_opens_a_lesson_and_a_named_one_is_kept() -> None:
    document = course()
    document["units"][0]["lessons"][1]["prerequisite"] = None
    document["units"][1]["lessons"][0]["prerequisite"] = "greetings"
    parsed, _ = parse_course(document, "spanish")
    assert [lesson.prerequisite for lesson in parsed.lessons] == [None, None, "greetings"]


def test_defaults_are_written_out_in_the_normalized_document() -> None:
    _, normalized = parse_course(course(), "spanish")
    lesson = normalized["units"][0]["lessons"][1]
    assert normalized["id"] == "spanish"
    assert (lesson["prerequisite"], lesson["pass_score"], lesson["xp"]) == ("greetings", 70, 10)
    assert [q["type"] for q in normalized["units"][0]["lessons"][0]["questions"]] == [
        "choice",
        "text",
    ]
    # Read back, the normalized document is the same course with the same digest.
    again, renormalized = parse_course(normalized, "spanish")
    assert renormalized == normalized
    assert digest(renormalized) == digest(normalized)
    assert again == parse_course(course(), "spanish")[0]


def test_cards_are_positioned_in_the_order_lessons_introduce_them() -> None:
    parsed, _ = parse_course(course(), "spanish")
    positions = {card.id: card.position for card in parsed.cards}
    assert positions == {"hola": 0, "adios": 1, "madre": 2, "pan": 3}


def test_shape_errors_name_the_field() -> None:
    document = course()
    document["units"][0]["lessons"][0]["pass_score"] = 101
    document["units"][0]["colour"] = "green"
    document["units"][1]["lessons"][0]["bonus"] = 5
    found = {tuple(issue["loc"]) for issue in problems(document)}
    assert found == {
        ("units", 0, "lessons", 0, "pass_score"),
        ("units", 0, "colour"),
        ("units", 1, "lessons", 0, "bonus"),
    }


def test_every_reference_problem_is_reported_at_once() -> None:
    document = course()
    lessons = document["units"][0]["lessons"]
    lessons[0]["prerequisite"] = "nowhere"
    lessons[0]["cards"] = ["hola", "hola", "ghost"]
    lessons[0]["questions"][0]["answers"] = ["bonjour"]
    lessons[1]["id"] = "greetings"
    document["cards"].append({"id": "pan", "word": "pan", "translation": "bread"})
    found = {(tuple(i["loc"]), i["message"]) for i in problems(document)}
    assert (
        ("units", 0, "lessons", 0, "prerequisite"),
        "no lesson 'nowhere' in this course",
    ) in found
    assert (("units", 0, "lessons", 0, "cards", 1), "card 'hola' is listed twice") in found
    assert (
        ("units", 0, "lessons", 0, "cards", 2),
        "no card 'ghost' in the course's cards",
    ) in found
    assert (
        ("units", 0, "lessons", 0, "questions", 0, "answers", 0),
        "'bonjour' is not one of the choices",
    ) in found
    assert (("units", 0, "lessons", 1, "id"), "lesson id 'greetings' is used twice") in found
    assert (("cards", 4, "id"), "card id 'pan' is used twice") in found


def test_a_prerequisite_cycle_is_refused() -> None:
    document = course()
    document["units"][0]["lessons"][0]["prerequisite"] = "food"
    messages = [issue["message"] for issue in problems(document)]
    assert "lesson 'greetings' requires itself through other lessons" in messages


def test_a_card_no_lesson_introduces_is_refused() -> None:
    document = course()
    document["cards"].append({"id": "gato", "word": "gato", "translation": "cat"})
    assert problems(document) == [
        {
            "loc": ["cards", 4],
            "message": "no lesson introduces card 'gato' (list it in a lesson's cards)",
        }
    ]


def test_the_document_id_must_be_the_course_in_the_url() -> None:
    assert problems(course(id="french")) == [
        {
            "loc": ["id"],
            "message": "the document is course 'french', not 'spanish' (the id in the URL)",
        }
    ]


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    assert problems(["a list"]) == [{"loc": [], "message": "expected a mapping at the top level"}]


def test_yaml_is_read_as_designs_are_and_bad_text_is_a_malformed_body() -> None:
    assert load_document(b"title: x\non: yes\n", "application/yaml") == {
        "title": "x",
        "on": "yes",  # YAML 1.2: not a boolean
    }
    assert load_document(b'{"title": "x"}', "application/json") == {"title": "x"}
    with pytest.raises(MalformedBody, match="line 2"):
        load_document(b"title: x\n  - broken: [", "application/yaml")
    with pytest.raises(MalformedBody, match="anchors and aliases"):
        load_document(b"a: &x 1\nb: *x\n", "application/yaml")
    with pytest.raises(MalformedBody, match="not valid JSON"):
        load_document(b"{", "application/json")


def test_a_body_nested_thousands_deep_is_a_malformed_body_not_a_crash() -> None:
    for content_type in ("application/yaml", "application/json"):
        with pytest.raises(MalformedBody, match=r"too deeply|levels of nesting"):
            load_document(b"[" * 100_000, content_type)
