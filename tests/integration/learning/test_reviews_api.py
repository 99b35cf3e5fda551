"""Spaced-repetition reviews over HTTP: the schedule is the `fsrs` package's own, a review
applies once whatever is retried or raced, and late reviews are put in their place."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import fsrs

from tests.integration.learning.conftest import GREETINGS, LearningApi, course


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def exact(learning: LearningApi, **settings: Any) -> None:
    """Fuzz off: due dates are the package's to the microsecond."""
    learning.request("PUT", "/v1/learning/settings", json={"fuzz": False, **settings}, expect=200)


def test_the_schedule_is_the_fsrs_schedulers_for_the_same_review_log(
    learning: LearningApi,
) -> None:
    learning.import_course(course())
    exact(learning, desired_retention=0.85, maximum_interval_days=365)
    scheduler = fsrs.Scheduler(desired_retention=0.85, maximum_interval=365, enable_fuzzing=False)
    ratings = [3, 3, 1, 2, 3, 4, 3, 1, 3, 3]
    # A log that ends before now: each review comes at the card's due time or later.
    planned: list[tuple[int, datetime]] = []
    card = fsrs.Card(card_id=1, due=datetime(2024, 1, 1, 9, tzinfo=UTC))
    at = card.due
    for index, rating in enumerate(ratings):
        at = max(at, card.due) + timedelta(hours=index % 3)
        card, _ = scheduler.review_card(card, fsrs.Rating(rating), at)
        planned.append((rating, at))
    assert at < datetime.now(UTC)
    card = fsrs.Card(card_id=1, due=planned[0][1])
    for index, (rating, at) in enumerate(planned):
        card, _ = scheduler.review_card(card, fsrs.Rating(rating), at)
        ours = learning.review(
            "ada", id=f"r{index}", card="hola", rating=rating, reviewed_at=iso(at)
        ).json()
        assert ours["state"] == card.state.name.lower()
        assert ours["stability"] == card.stability
        assert ours["difficulty"] == card.difficulty
        assert stamp(ours["due"]) == card.due
    exported = learning.get("/v1/players/ada/export", expect=200).json()
    [state] = exported["modules"]["learning"]["cards"]
    assert (state["card"], state["reps"], state["stability"]) == ("hola", 10, card.stability)
    assert stamp(state["due"]) == card.due


def test_a_review_sent_again_applies_once_and_a_different_one_under_its_id_is_refused(
    learning: LearningApi,
) -> None:
    learning.import_course(course())
    at = iso(datetime.now(UTC) - timedelta(hours=1))
    first = learning.review("ada", id="r1", card="hola", rating=3, reviewed_at=at).json()
    again = learning.review("ada", expect=200, id="r1", card="hola", rating=3, reviewed_at=at)
    assert again.json() | {"duplicate": False} == first
    assert again.json()["duplicate"] is True
    # Without a time, a replay matches whatever time the first one had.
    learning.review("ada", expect=200, id="r1", card="hola", rating=3)
    conflict = learning.review("ada", expect=409, id="r1", card="hola", rating=1).json()
    assert conflict["code"] == "review_conflict"
    learning.review("ada", expect=409, id="r1", card="adios", rating=3)
    # Ids belong to a player: another player may use the same one.
    learning.review("bo", expect=201, id="r1", card="hola", rating=3)
    stats = learning.get("/v1/players/ada/reviews/stats", expect=200).json()
    assert stats["cards"]["learning"] == 1
    event = learning.get(f"/v1/events/{first['event_id']}", expect=200).json()
    assert event["type"] == "review.completed"
    assert event["properties"] == {
        "card": "hola",
        "course": "spanish",
        "rating": 3,
        "correct": True,
        "new": True,
        "state": "learning",
        "interval_days": event["properties"]["interval_days"],
    }


def test_concurrent_copies_of_one_review_apply_it_once(learning: LearningApi) -> None:
    learning.import_course(course())
    body = {"id": "r1", "card": "hola", "rating": 4}
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(lambda _: learning.post("/v1/players/ada/reviews", json=body), range(16))
        )
    assert sorted(a.status_code for a in answers) == [200] * 15 + [201]
    assert len({a.json()["due"] for a in answers}) == 1
    exported = learning.get("/v1/players/ada/export", expect=200).json()["modules"]["learning"]
    assert [r["id"] for r in exported["reviews"]] == ["r1"]
    assert exported["cards"][0]["reps"] == 1
    reviews = [
        e
        for e in learning.get("/v1/players/ada/export", expect=200).json()["events"]
        if e["type"] == "review.completed"
    ]
    assert len(reviews) == 1


def test_a_late_review_is_put_in_its_place_in_the_cards_history(learning: LearningApi) -> None:
    learning.import_course(course())
    exact(learning)
    start = datetime.now(UTC) - timedelta(days=20)
    times = [start, start + timedelta(days=1), start + timedelta(days=5)]
    ratings = [4, 1, 3]
    # The middle review arrives last (an offline device syncing).
    for index in (0, 2, 1):
        learning.review(
            "ada", id=f"r{index}", card="hola", rating=ratings[index], reviewed_at=iso(times[index])
        )
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    card = fsrs.Card(card_id=1, due=start)
    for rating, at in zip(ratings, times, strict=True):
        card, _ = scheduler.review_card(card, fsrs.Rating(rating), at)
    state = learning.get("/v1/players/ada/export", expect=200).json()["modules"]["learning"]
    [memory] = state["cards"]
    assert (memory["state"], memory["stability"], memory["reps"]) == (
        card.state.name.lower(),
        card.stability,
        3,
    )
    assert stamp(memory["due"]) == card.due


def test_a_bad_review_is_refused_saying_where(learning: LearningApi) -> None:
    learning.import_course(course())
    unknown = learning.review("ada", expect=422, card="gato", rating=3).json()
    assert unknown["errors"] == [
        {"loc": ["card"], "message": "not a card of a current course version"}
    ]
    future = iso(datetime.now(UTC) + timedelta(hours=1))
    late = learning.review("ada", expect=422, card="hola", rating=3, reviewed_at=future).json()
    assert late["errors"][0]["loc"] == ["reviewed_at"]
    rating = learning.review("ada", expect=422, card="hola", rating=5).json()
    assert rating["errors"][0]["loc"] == ["rating"]
    for bad in ("2026-01-01T10:00:00", "1999-12-31T23:00:00Z", "0001-01-01T00:00:00+14:00"):
        refused = learning.review("ada", expect=422, card="hola", rating=3, reviewed_at=bad)
        assert refused.json()["errors"][0]["loc"] == ["reviewed_at"], bad


def test_the_queue_lists_due_cards_soonest_first_with_new_cards_among_them(
    learning: LearningApi,
) -> None:
    learning.import_course(course())
    exact(learning)
    learning.pass_lesson("ada", "greetings", GREETINGS)  # hola, adios: new
    learning.pass_lesson("ada", "family", {"q1": "madre"})  # madre: new
    queue = learning.get("/v1/players/ada/reviews/due", expect=200).json()
    assert [(c["card"], c["new"]) for c in queue["data"]] == [
        ("hola", True),
        ("adios", True),
        ("madre", True),
    ]
    assert (queue["due_today"], queue["new_today"], queue["next_cursor"]) == (0, 3, None)
    now = datetime.now(UTC)
    learning.review("ada", card="madre", rating=1, reviewed_at=iso(now - timedelta(minutes=30)))
    learning.review("ada", card="hola", rating=1, reviewed_at=iso(now - timedelta(minutes=20)))
    queue = learning.get("/v1/players/ada/reviews/due", expect=200).json()
    # Two due (madre first: due sooner), one new card spread between them.
    assert [(c["card"], c["state"], c["new"]) for c in queue["data"]] == [
        ("madre", "learning", False),
        ("adios", "new", True),
        ("hola", "learning", False),
    ]
    assert queue["data"][0]["due_local"] == queue["data"][0]["due"].replace("Z", "+00:00")
    first = learning.get("/v1/players/ada/reviews/due", params={"limit": 1}, expect=200).json()
    assert [c["card"] for c in first["data"]] == ["madre"]
    learning.get("/v1/players/nobody/reviews/due", expect=404)


def test_new_cards_are_offered_up_to_the_daily_limit(learning: LearningApi) -> None:
    learning.import_course(course())
    exact(learning, new_cards_per_day=2)
    learning.pass_lesson("ada", "greetings", GREETINGS)
    learning.pass_lesson("ada", "family", {"q1": "madre"})
    queue = learning.get("/v1/players/ada/reviews/due", expect=200).json()
    assert [c["card"] for c in queue["data"]] == ["hola", "adios"]
    learning.review("ada", card="hola", rating=3)
    queue = learning.get("/v1/players/ada/reviews/due", expect=200).json()
    # One new card seen today, one left: adios (madre waits for tomorrow).
    assert [c["card"] for c in queue["data"] if c["new"]] == ["adios"]
    assert queue["new_today"] == 1


def test_stats_count_cards_reviews_retention_and_the_week_ahead(learning: LearningApi) -> None:
    learning.import_course(course())
    exact(learning)
    learning.pass_lesson("ada", "greetings", GREETINGS)
    learning.pass_lesson("ada", "family", {"q1": "madre"})
    now = datetime.now(UTC)
    three_days_ago, yesterday = now - timedelta(days=3), now - timedelta(days=1)
    # Two cards learned easily three days ago, reviewed again yesterday: one forgotten.
    for card, second in (("hola", 1), ("adios", 3)):
        learning.review("ada", card=card, rating=4, reviewed_at=iso(three_days_ago))
        learning.review("ada", card=card, rating=second, reviewed_at=iso(yesterday))
    learning.review("ada", card="madre", rating=3, reviewed_at=iso(now))
    stats = learning.get("/v1/players/ada/reviews/stats", expect=200).json()
    assert stats["cards"] == {"new": 0, "learning": 1, "review": 1, "relearning": 1}
    assert (stats["reviews_today"], stats["new_today"]) == (1, 1)
    assert (stats["retention"], stats["retention_reviews"]) == (0.5, 2)
    days = [day["date"] for day in stats["forecast"]]
    assert days[0] == stats["date"] == now.date().isoformat()
    assert len(days) == 7
    # The forgotten card was due again yesterday: overdue, it counts today. The one
    # learned now is due in minutes (tomorrow, just before midnight).
    assert stats["forecast"][0]["due"] >= 1
    assert stats["forecast"][0]["due"] + stats["forecast"][1]["due"] >= 2
    learning.get("/v1/players/nobody/reviews/stats", expect=404)


def test_a_card_a_new_version_drops_leaves_the_queue(learning: LearningApi) -> None:
    learning.import_course(course())
    learning.pass_lesson("ada", "greetings", GREETINGS)
    learning.pass_lesson("ada", "family", {"q1": "madre"})
    dropped = course()
    dropped["units"][0]["lessons"][1]["cards"] = []
    dropped["cards"] = [c for c in dropped["cards"] if c["id"] != "madre"]
    learning.import_course(dropped)
    queue = learning.get("/v1/players/ada/reviews/due", expect=200).json()
    assert [c["card"] for c in queue["data"]] == ["hola", "adios"]
    learning.review("ada", expect=422, card="madre", rating=3)
    # Brought back, it returns with the memory the player had.
    learning.import_course(course())
    queue = learning.get("/v1/players/ada/reviews/due", expect=200).json()
    assert [c["card"] for c in queue["data"]] == ["hola", "adios", "madre"]


def test_settings_fall_back_to_the_servers_and_are_audited(learning: LearningApi) -> None:
    defaults = learning.get("/v1/learning/settings", expect=200).json()
    assert defaults == {
        "desired_retention": 0.9,
        "maximum_interval_days": 36500,
        "new_cards_per_day": 20,
        "learning_steps_minutes": [1, 10],
        "relearning_steps_minutes": [10],
        "fuzz": True,
        "set_by_app": [],
    }
    changed = learning.request(
        "PUT",
        "/v1/learning/settings",
        json={"new_cards_per_day": 5, "learning_steps_minutes": [2]},
        expect=200,
    ).json()
    assert (changed["new_cards_per_day"], changed["learning_steps_minutes"]) == (5, [2])
    assert changed["set_by_app"] == ["new_cards_per_day", "learning_steps_minutes"]
    bad = learning.request(
        "PUT", "/v1/learning/settings", json={"desired_retention": 0.5}, expect=422
    ).json()
    assert bad["errors"][0]["loc"] == ["desired_retention"]
    audit = learning.get("/v1/audit", expect=200).json()["data"]
    assert [e["action"] for e in audit if e["action"] == "learning.settings"] == [
        "learning.settings"
    ]
