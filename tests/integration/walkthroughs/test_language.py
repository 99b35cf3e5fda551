"""The language walkthrough (docs/walkthroughs/language.md): the demo loaded with the
command the page gives, then each thing the page points at, read over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient

from questline.api.app import create_app
from questline.settings import Settings
from tests.integration.conftest import Api
from tests.integration.test_bundles import questline
from tests.integration.walkthroughs.walkthrough import Walkthrough

PAGE = Walkthrough("language")


def test_the_language_walkthrough(settings: Settings, database_url: str) -> None:
    # The demo goes into the database first, then the server starts, as the page says.
    loaded = questline(database_url, "demo", "--blueprint", "language")
    assert loaded.returncode == 0, loaded.stderr
    assert "course 'spanish-basics' (12 lessons, 120 cards), 4 players" in loaded.stdout
    PAGE.says("course 'spanish-basics' (12 lessons, 120 cards), 4 players")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        walk(Api(client), client)


def walk(api: Api, client: TestClient) -> None:

    [course] = api.get("/v1/courses", expect=200).json()["data"]
    assert (course["id"], course["units"], course["lessons"], course["cards"]) == (
        "spanish-basics",
        3,
        12,
        120,
    )
    PAGE.says("3 units, 12 lessons, 120 cards")

    stats = api.get("/v1/players/ana/reviews/stats", expect=200).json()
    assert sum(stats["cards"].values()) > 0
    assert len(stats["forecast"]) == 7
    due = api.get("/v1/players/ana/reviews/due", expect=200).json()
    assert {"word", "translation", "due"} <= set(due["data"][0])

    [streak] = api.get("/v1/players/ana/streaks", expect=200).json()["data"]
    assert (streak["key"], streak["current"], streak["freezes_max"]) == ("practice", 7, 2)
    PAGE.says("a 7-day `practice` streak")

    shop = {o["id"]: o for o in api.get("/v1/shop", expect=200).json()["data"]}
    assert shop["streak-freeze"]["price"] == {"gems": 50}
    assert shop["streak-freeze"]["gives"]["streak_freezes"] == {"practice": 1}
    assert shop["double-xp"]["price"] == {"gems": 15}
    gems = api.player("ana")["currencies"]["gems"]["balance"]
    bought = api.post("/v1/players/ana/purchases", json={"offer": "double-xp"}, expect=201).json()
    assert bought["debits"] == [{"currency": "gems", "amount": -15, "balance_after": gems - 15}]
    PAGE.says("`streak-freeze` (50 gems)", "`double-xp` (15 gems)")

    league = api.get("/v1/players/ana/league", expect=200).json()
    assert (league["tier"], league["members"]) == ("bronze", 4)
    PAGE.says("the bronze league, in a group of 4")

    following = api.get("/v1/players/ana/following", expect=200).json()["data"]
    assert sorted(f["player"] for f in following) == ["ben", "chloe", "dev"]
    feed = api.get("/v1/players/ana/feed", expect=200).json()["data"]
    assert feed
    assert {entry["player"] for entry in feed} <= {"ben", "chloe", "dev"}
    PAGE.says("Ana follows Ben, Chloé and Dev")

    token = api.post("/v1/players/ana/token", expect=200).json()["token"]
    assert client.get("/play", params={"access_token": token, "lang": "en"}).status_code == 200
    for page in ("/play/reviews", "/play/league", "/play/wallet", "/play/feed"):
        assert client.get(page).status_code == 200, page
