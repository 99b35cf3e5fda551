"""`questline demo --blueprint language`: a newcomer sees the whole learning app at once —
a course, players with a week of lessons and reviews, and what the game made of them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from questline.api.app import create_app
from tests.integration.conftest import Api, make_settings
from tests.integration.test_cli import questline


def test_the_language_demo_loads_a_course_and_a_week_of_practice(database_url: str) -> None:
    loaded = questline(database_url, "demo", "--blueprint", "language")
    assert loaded.returncode == 0, loaded.stderr
    assert "course 'spanish-basics' (12 lessons, 120 cards), 4 players" in loaded.stdout
    with TestClient(create_app(make_settings(database_url))) as client:
        api = Api(client)
        [course] = api.get("/v1/courses", expect=200).json()["data"]
        assert (course["id"], course["units"], course["lessons"], course["cards"]) == (
            "spanish-basics",
            3,
            12,
            120,
        )
        for player in ("ana", "ben", "chloe", "dev"):
            progress = api.get(
                f"/v1/players/{player}/courses/spanish-basics/progress", expect=200
            ).json()
            assert progress["lessons_passed"] >= 3, player
            stats = api.get(f"/v1/players/{player}/reviews/stats", expect=200).json()
            assert sum(stats["cards"].values()) >= 30, player
            assert stats["cards"]["review"] > 0, player
            assert api.player(player)["currencies"]["xp"]["balance"] > 0
            streak = api.get(f"/v1/players/{player}/streaks", expect=200).json()["data"][0]
            assert streak["longest"] >= 4, player
        # Chloé skipped a day; a freeze kept her streak going: six days practised.
        chloe = api.get("/v1/players/chloe/streaks", expect=200).json()["data"][0]
        assert (chloe["current"], chloe["today_done"]) == (6, True)
        assert len(chloe["freezes_used"]) == 1
        # Every lesson and review went through the event flow and was processed.
        ana = api.get("/v1/players/ana/export", expect=200).json()
        assert {e["status"] for e in ana["events"]} == {"processed"}
        assert {e["type"] for e in ana["events"]} == {"lesson.completed", "review.completed"}
        assert api.get("/v1/players/ana/league", expect=200).json()["tier"] == "bronze"
        # They follow each other: feeds show the others' levels and badges, cheered.
        assert (api.player("ana")["following"], api.player("ana")["followers"]) == (3, 3)
        feed = api.get("/v1/players/ana/feed", expect=200).json()["data"]
        assert {entry["player"] for entry in feed} <= {"ben", "chloe", "dev"}
        assert {entry["kind"] for entry in feed} >= {"level_reached", "achievement_unlocked"}
        assert feed[0]["cheered"] is True
        assert "demo: 9 follows and 8 cheers" in loaded.stdout
        board = api.get(
            "/v1/leaderboards/weekly_xp",
            params={"among": "following", "player": "dev"},
            expect=200,
        ).json()
        assert sorted(entry["player"] for entry in board["data"]) == ["ana", "dev"]
        # The demo's player (the one with the most history) has gems to spend in the shop.
        shop = api.get("/v1/players/ana/shop", expect=200).json()["data"]
        assert {offer["id"] for offer in shop if offer["player"]["can_buy"]} >= {
            "double-xp",
            "xp-potion",
        }
        assert api.get("/v1/branding", expect=200).json()["name"] == "Lingo"
