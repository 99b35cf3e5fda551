"""Taking lessons over HTTP: locked until the prerequisite is passed, answers recorded and
judged, a submit scored once and sent into the game once, whatever is retried or raced,
on the content version the attempt started on."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.integration.learning.conftest import GREETINGS, LearningApi, course

DESIGN = """
modules: [learning]
currencies: {xp: {}}
metrics:
  lessons: {count: lesson.completed, where: "event.passed == true"}
rules:
  - {id: lesson-xp, on: lesson.completed, when: "event.passed == true", award: {xp: "event.xp"}}
"""


def ledger(learning: LearningApi, player: str) -> list[dict[str, Any]]:
    return list(learning.get(f"/v1/players/{player}/ledger", expect=200).json()["data"])


def test_a_lesson_is_locked_until_its_prerequisite_is_passed(learning: LearningApi) -> None:
    learning.import_course(course())
    problem = learning.start("ada", "family", expect=409).json()
    assert problem["code"] == "lesson_locked"
    assert problem["detail"] == "lesson 'family' is locked: pass lesson 'greetings' first"
    assert problem["errors"] == [
        {"loc": ["path", "lesson_id"], "message": "needs lesson 'greetings' passed"}
    ]
    # A failed attempt does not unlock it.
    attempt = learning.start("ada", "greetings").json()["id"]
    learning.answer("ada", "greetings", attempt, question="q1", response="adiós")
    failed = learning.submit("ada", "greetings", attempt)
    assert failed["result"] == {
        "correct": 0,
        "total": 2,
        "score": 0,
        "passed": False,
        "pass_score": 50,
        "xp": 10,
    }
    learning.start("ada", "family", expect=409)
    learning.pass_lesson("ada", "greetings", GREETINGS)
    learning.start("ada", "family", expect=201)
    # Unlocking is per player.
    learning.start("bo", "family", expect=409)


def test_answers_are_judged_recorded_once_and_closed_by_the_submit(learning: LearningApi) -> None:
    learning.import_course(course())
    started = learning.start("ada", "greetings").json()
    assert started["status"] == "open"
    assert started["content_version"] == 1
    # The player sees the questions, not their answers.
    assert [set(q) for q in started["questions"]] == [
        {"id", "type", "prompt", "choices", "hint", "audio_url", "image_url"}
    ] * 2
    attempt = started["id"]
    judged = learning.answer(
        "ada", "greetings", attempt, question="q1", response=" ¡Hola! ", time_ms=3000
    ).json()
    assert (judged["correct"], judged["accepted"]) == (True, ["hola"])
    # The same answer again is a replay; another answer to the question is a conflict.
    learning.answer(
        "ada", "greetings", attempt, expect=200, question="q1", response=" ¡Hola! ", time_ms=3000
    )
    conflict = learning.answer(
        "ada", "greetings", attempt, expect=409, question="q1", response="adiós"
    ).json()
    assert conflict["code"] == "answer_conflict"
    # The client may judge a question itself; it must say one or the other.
    learning.answer("ada", "greetings", attempt, question="q2", correct=False, hint_used=True)
    both = learning.answer(
        "ada", "greetings", attempt, expect=422, question="q2", correct=True, response="x"
    ).json()
    assert both["code"] == "invalid_input"
    unknown = learning.answer(
        "ada", "greetings", attempt, expect=422, question="q9", correct=True
    ).json()
    assert unknown["errors"] == [{"loc": ["question"], "message": "not a question of the lesson"}]
    result = learning.submit("ada", "greetings", attempt)
    assert result["result"]["score"] == 50
    assert [(a["question"], a["correct"], a["hint_used"]) for a in result["answers"]] == [
        ("q1", True, False),
        ("q2", False, True),
    ]
    closed = learning.answer(
        "ada", "greetings", attempt, expect=409, question="q2", correct=True
    ).json()
    assert closed["code"] == "attempt_submitted"
    read = learning.get(f"/v1/players/ada/lessons/greetings/attempts/{attempt}", expect=200)
    assert read.json()["result"] == result["result"]
    learning.get(f"/v1/players/bo/lessons/greetings/attempts/{attempt}", expect=404)
    learning.get(f"/v1/players/ada/lessons/family/attempts/{attempt}", expect=404)


def test_a_submit_sent_again_is_scored_and_awarded_once(learning: LearningApi) -> None:
    learning.publish(DESIGN)
    learning.import_course(course())
    attempt = learning.start("ada", "greetings").json()["id"]
    for question, response in GREETINGS.items():
        learning.answer("ada", "greetings", attempt, question=question, response=response)
    first = learning.submit("ada", "greetings", attempt)
    again = learning.submit("ada", "greetings", attempt, wait=False)
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert first["event"]["status"] == "processed"
    awarded = [e for e in first["event"]["effects"] if e["kind"] == "currency_awarded"]
    assert [(e["currency"], e["amount"]) for e in awarded] == [("xp", 10)]
    assert again["event"]["id"] == first["event"]["id"]
    assert again["result"] == first["result"]
    assert learning.player("ada")["currencies"]["xp"]["balance"] == 10
    assert [entry["cause_id"] for entry in ledger(learning, "ada")] == ["lesson-xp"]
    event = learning.get(f"/v1/events/{first['event']['id']}", expect=200).json()
    assert event["type"] == "lesson.completed"
    assert event["properties"] | {"attempt": "…"} == {
        "course": "spanish",
        "unit": "basics-1",
        "lesson": "greetings",
        "lesson_type": "vocabulary",
        "attempt": "…",
        "content_version": 1,
        "score": 100,
        "correct": 2,
        "total": 2,
        "passed": True,
        "perfect": True,
        "first_pass": True,
        "pass_score": 50,
        "xp": 10,
        "hints": 0,
        "duration_s": 0,
    }


def test_concurrent_submits_of_one_attempt_award_once(learning: LearningApi) -> None:
    learning.publish(DESIGN)
    learning.import_course(course())
    attempt = learning.start("ada", "greetings").json()["id"]
    for question, response in GREETINGS.items():
        learning.answer("ada", "greetings", attempt, question=question, response=response)
    path = f"/v1/players/ada/lessons/greetings/attempts/{attempt}/submit"
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: learning.post(path, params={"wait": "true"}), range(16)))
    assert [a.status_code for a in answers] == [200] * 16
    assert sorted(a.json()["duplicate"] for a in answers) == [False] + [True] * 15
    assert {a.json()["event"]["id"] for a in answers} == {answers[0].json()["event"]["id"]}
    assert learning.player("ada")["currencies"]["xp"]["balance"] == 10
    assert len(ledger(learning, "ada")) == 1
    # Passing the lesson again earns again, but is no longer a first pass.
    second = learning.pass_lesson("ada", "greetings", GREETINGS)
    assert len(ledger(learning, "ada")) == 2
    event = learning.get(f"/v1/events/{second['event']['id']}", expect=200).json()
    assert event["properties"]["first_pass"] is False


def test_an_attempt_keeps_the_version_it_started_on(learning: LearningApi) -> None:
    learning.import_course(course())
    attempt = learning.start("ada", "greetings").json()["id"]
    changed = course()
    greetings = changed["units"][0]["lessons"][0]
    greetings["pass_score"] = 100
    greetings["questions"] = [
        {"id": "q1", "prompt": "Good morning", "answers": ["buenos días"]},
        {"id": "q3", "prompt": "Thanks", "answers": ["gracias"]},
    ]
    assert learning.import_course(changed).json()["version"] == 2
    # Answered and scored against version 1: q2 exists there, q3 does not.
    learning.answer("ada", "greetings", attempt, question="q1", response="hola")
    learning.answer("ada", "greetings", attempt, question="q2", response="adiós")
    learning.answer("ada", "greetings", attempt, expect=422, question="q3", response="gracias")
    result = learning.submit("ada", "greetings", attempt)
    assert result["content_version"] == 1
    assert result["result"] == {
        "correct": 2,
        "total": 2,
        "score": 100,
        "passed": True,
        "pass_score": 50,
        "xp": 10,
    }
    fresh = learning.start("ada", "greetings").json()
    assert fresh["content_version"] == 2
    assert [q["id"] for q in fresh["questions"]] == ["q1", "q3"]


def test_an_attempt_at_a_lesson_a_new_version_dropped_can_still_be_submitted(
    learning: LearningApi,
) -> None:
    learning.import_course(course())
    learning.pass_lesson("ada", "greetings", GREETINGS)
    attempt = learning.start("ada", "family").json()["id"]
    dropped = course()
    dropped["units"][0]["lessons"].pop(1)
    dropped["cards"] = [c for c in dropped["cards"] if c["id"] != "madre"]
    learning.import_course(dropped)
    learning.start("ada", "family", expect=404)
    learning.answer("ada", "family", attempt, question="q1", response="madre")
    assert learning.submit("ada", "family", attempt)["result"]["passed"]


def test_progress_shows_what_is_passed_locked_and_next(learning: LearningApi) -> None:
    learning.import_course(course())
    learning.start("ada", "greetings")  # an attempt never submitted counts for nothing
    attempt = learning.start("ada", "greetings").json()["id"]
    learning.answer("ada", "greetings", attempt, question="q1", response="x")
    learning.submit("ada", "greetings", attempt)
    learning.pass_lesson("ada", "greetings", GREETINGS)
    progress = learning.get("/v1/players/ada/courses/spanish/progress", expect=200).json()
    assert (progress["lessons_passed"], progress["lessons_total"]) == (1, 3)
    assert progress["next_lesson"] == "family"
    assert (progress["answers_correct"], progress["answers_total"]) == (2, 4)
    assert progress["accuracy"] == 0.5
    lessons = {each["id"]: each for u in progress["units"] for each in u["lessons"]}
    assert (lessons["greetings"]["status"], lessons["greetings"]["attempts"]) == ("passed", 2)
    assert lessons["greetings"]["best_score"] == 100
    assert lessons["family"]["status"] == "available"
    assert lessons["food"]["status"] == "locked"
    assert [(u["id"], u["xp"], u["completed"]) for u in progress["units"]] == [
        ("basics-1", 10, False),
        ("basics-2", 0, False),
    ]
    learning.get("/v1/players/nobody/courses/spanish/progress", expect=404)
    learning.get("/v1/players/ada/courses/nowhere/progress", expect=404)


def test_a_player_token_takes_lessons_for_its_own_player_only(learning: LearningApi) -> None:
    learning.import_course(course())
    token = learning.post("/v1/players/ada/token", expect=200).json()["token"]
    as_ada = LearningApi(learning.client)
    as_ada.headers = {"Authorization": f"Bearer {token}"}
    attempt = as_ada.start("ada", "greetings").json()["id"]
    for question, response in GREETINGS.items():
        as_ada.answer("ada", "greetings", attempt, question=question, response=response)
    assert as_ada.submit("ada", "greetings", attempt)["result"]["passed"]
    as_ada.get("/v1/players/ada/courses/spanish/progress", expect=200)
    as_ada.start("bo", "greetings", expect=403)
    as_ada.submit("bo", "greetings", attempt, expect=403)
    # The content, answers included, is for editors and the host app.
    as_ada.get("/v1/lessons/greetings", expect=403)
