"""Importing and reading courses: one document per course, every import that changes it
a new version, every mistake a 422 naming where it is."""

from __future__ import annotations

from tests.integration.learning.conftest import LearningApi, course


def test_an_import_makes_version_1_and_the_same_content_again_changes_nothing(
    learning: LearningApi,
) -> None:
    first = learning.import_course(course(), expect=201).json()
    assert (first["version"], first["changed"]) == (1, True)
    assert (first["units"], first["lessons"], first["cards"]) == (2, 3, 4)
    # The same content, with the defaults written out or not, is the same version.
    again = learning.import_course(course(), expect=200).json()
    assert (again["version"], again["changed"]) == (1, False)
    changed = course(title="Spanish for beginners")
    second = learning.import_course(changed, expect=201).json()
    assert second["version"] == 2
    versions = learning.get("/v1/courses/spanish/versions", expect=200).json()
    assert [v["version"] for v in versions["data"]] == [2, 1]
    assert versions["data"][0]["created_by"] == "key:bootstrap"


def test_the_tree_lists_units_and_lessons_in_order_at_any_version(learning: LearningApi) -> None:
    learning.import_course(course())
    document = course()
    document["units"][0]["lessons"].pop(1)  # version 2 drops "family" and its card
    document["cards"] = [c for c in document["cards"] if c["id"] != "madre"]
    learning.import_course(document)
    tree = learning.get("/v1/courses/spanish", expect=200).json()
    assert tree["version"] == 2
    assert [u["id"] for u in tree["units"]] == ["basics-1", "basics-2"]
    assert tree["units"][0]["colour"] == "#58CC02"
    assert [
        (each["id"], each["order"], each["prerequisite"])
        for unit in tree["units"]
        for each in unit["lessons"]
    ] == [
        ("greetings", 1, None),
        ("food", 2, "greetings"),
    ]
    old = learning.get("/v1/courses/spanish", params={"version": 1}, expect=200).json()
    assert [each["id"] for each in old["units"][0]["lessons"]] == ["greetings", "family"]
    listed = learning.get("/v1/courses", expect=200).json()
    assert [(c["id"], c["version"], c["lessons"]) for c in listed["data"]] == [("spanish", 2, 2)]


def test_a_lesson_shows_its_questions_answers_and_cards(learning: LearningApi) -> None:
    learning.import_course(course())
    lesson = learning.get("/v1/lessons/greetings", expect=200).json()
    assert lesson["course"] == "spanish"
    assert lesson["unit"] == "basics-1"
    assert [q["answers"] for q in lesson["questions"]] == [["hola"], ["adiós"]]
    assert [q["type"] for q in lesson["questions"]] == ["choice", "text"]
    assert [c["translation"] for c in lesson["cards"]] == ["hello", "goodbye"]
    learning.get("/v1/lessons/nowhere", expect=404)
    learning.get("/v1/lessons/greetings", params={"version": 9}, expect=404)
    learning.get("/v1/courses/nowhere", expect=404)


def test_a_bad_document_is_a_422_naming_each_place_and_nothing_is_stored(
    learning: LearningApi,
) -> None:
    document = course()
    document["units"][0]["lessons"][0]["pass_score"] = 150
    document["units"][0]["lessons"][1]["cards"] = ["ghost"]
    problem = learning.import_course(document, expect=422).json()
    assert problem["code"] == "invalid_course"
    assert {tuple(e["loc"]) for e in problem["errors"]} == {
        ("units", 0, "lessons", 0, "pass_score"),
    }  # the shape first; references once the shape is right
    document["units"][0]["lessons"][0]["pass_score"] = 80
    problem = learning.import_course(document, expect=422).json()
    assert problem["errors"] == [
        {
            "loc": ["units", 0, "lessons", 1, "cards", 0],
            "message": "no card 'ghost' in the course's cards",
        },
        {
            "loc": ["cards", 2],
            "message": "no lesson introduces card 'madre' (list it in a lesson's cards)",
        },
    ]
    learning.get("/v1/courses/spanish", expect=404)


def test_text_that_is_not_yaml_or_json_is_a_400(learning: LearningApi) -> None:
    response = learning.request(
        "PUT",
        "/v1/courses/spanish",
        content=b"units: [",
        headers={"Content-Type": "application/yaml"},
        expect=400,
    )
    assert response.json()["code"] == "malformed_body"
    response = learning.request(
        "PUT",
        "/v1/courses/spanish",
        content=b'{"title": ',
        headers={"Content-Type": "application/json"},
        expect=400,
    )
    assert "not valid JSON" in response.json()["detail"]


def test_lesson_and_card_ids_belong_to_one_course_of_the_app(learning: LearningApi) -> None:
    learning.import_course(course())
    other = {
        "title": "More Spanish",
        "units": [
            {
                "id": "extra",
                "title": "Extra",
                "lessons": [
                    {"id": "food", "title": "Food again", "cards": ["pan", "agua"]},
                ],
            }
        ],
        "cards": [
            {"id": "pan", "word": "pan", "translation": "bread"},
            {"id": "agua", "word": "agua", "translation": "water"},
        ],
    }
    problem = learning.import_course(other, course_id="more", expect=422).json()
    assert problem["errors"] == [
        {
            "loc": ["units", 0, "lessons", 0, "id"],
            "message": "lesson id 'food' belongs to course 'spanish'",
        },
        {"loc": ["cards", 0, "id"], "message": "card id 'pan' belongs to course 'spanish'"},
    ]


def test_a_course_id_in_the_document_must_match_the_url(learning: LearningApi) -> None:
    problem = learning.import_course(course(id="french"), expect=422).json()
    assert problem["errors"][0]["loc"] == ["id"]


def test_imports_are_audited(learning: LearningApi) -> None:
    learning.import_course(course(), expect=201)
    entries = learning.get("/v1/audit", expect=200).json()["data"]
    imported = [e for e in entries if e["action"] == "course.import"]
    assert imported[0]["target_id"] == "spanish"
    assert imported[0]["after"] == {"version": 1, "lessons": 3, "cards": 4}
