"""The language blueprint end to end: a player takes lessons and reviews cards through the
learning API, and the game design turns them into XP, gems, a streak, badges, a quest and
a league place."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import BLUEPRINTS
from tests.integration.learning.conftest import LearningApi

COURSE = (BLUEPRINTS / "language.course.yaml").read_text(encoding="utf-8")


def perfect(learning: LearningApi, player: str, lesson: str) -> dict[str, Any]:
    content = learning.get(f"/v1/lessons/{lesson}", expect=200).json()
    attempt = learning.start(player, lesson).json()["id"]
    for question in content["questions"]:
        learning.answer(
            player, lesson, attempt, question=question["id"], response=question["answers"][0]
        )
    return learning.submit(player, lesson, attempt)


def kinds(result: dict[str, Any]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for effect in result["event"]["effects"]:
        found.setdefault(effect["kind"], []).append(effect)
    return found


def test_lessons_and_reviews_feed_the_whole_game(learning: LearningApi) -> None:
    learning.publish_blueprint("language")
    imported = learning.request(
        "PUT",
        "/v1/courses/spanish-basics",
        content=COURSE.encode(),
        headers={"Content-Type": "application/yaml"},
        expect=201,
    ).json()
    assert (imported["units"], imported["lessons"], imported["cards"]) == (3, 12, 120)

    first = kinds(perfect(learning, "ana", "greetings"))
    awards = {(e["rule"], e["currency"]): e["amount"] for e in first["currency_awarded"]}
    assert awards == {
        ("lesson-xp", "xp"): 15,  # 10, and 5 for a perfect lesson
        ("first-pass-gems", "gems"): 5,
        ("achievement:first-lesson", "gems"): 10,
    }
    assert [e["achievement"] for e in first["achievement_unlocked"]] == ["first-lesson"]
    assert first["streak_extended"][0]["streak"] == "practice"

    # Twenty reviews complete the daily review quest.
    queue = learning.get("/v1/players/ana/reviews/due", params={"limit": 10}, expect=200).json()
    assert len(queue["data"]) == 10
    for round_ in range(2):
        for card in queue["data"]:
            learning.review("ana", id=f"{card['card']}-{round_}", card=card["card"], rating=3)
    second = kinds(perfect(learning, "ana", "family"))  # waits for the reviews before it
    assert second["currency_awarded"][0]["amount"] == 15
    quests = learning.get("/v1/players/ana/quests", expect=200).json()["data"]
    daily = next(q for q in quests if q["id"] == "daily-reviews")
    assert daily["completed"] is True

    player = learning.player("ana")
    # XP: two perfect lessons (30), twenty reviews (20), the quest (10).
    assert player["currencies"]["xp"]["balance"] == 60
    # Gems: two first passes (10), first-lesson (10), the quest (5).
    assert player["currencies"]["gems"]["balance"] == 25
    assert player["metrics"]["reviews"]["today"] == 20
    assert learning.get("/v1/players/ana/league", expect=200).json()["score"] == 60
    streaks = learning.get("/v1/players/ana/streaks", expect=200).json()["data"]
    assert [(s["key"], s["current"], s["freezes"]) for s in streaks] == [("practice", 1, 1)]
