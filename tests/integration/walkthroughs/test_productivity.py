"""The productivity walkthrough (docs/walkthroughs/productivity.md) over HTTP: tasks sent
in the background become XP, a level, a mission and a badge, shown on the player pages."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.conftest import Api
from tests.integration.walkthroughs.walkthrough import Walkthrough, blueprint

PAGE = Walkthrough("productivity")


def test_the_productivity_walkthrough(api: Api, client: TestClient) -> None:
    api.publish(blueprint("productivity"))
    ids = []
    for index in range(10):
        body = {
            "type": "task.completed",
            "player": "fay",
            "properties": {"priority": "high" if index < 2 else "normal"},
        }
        sent = api.post("/v1/events", json=body, expect=202).json()
        assert sent["status"] in ("pending", "processed")
        ids.append(sent["id"])
    # A later event of the same player is processed after these: waiting on it waits on all.
    api.post(
        "/v1/events",
        params={"wait": "true"},
        json={"type": "focus.session", "player": "fay", "properties": {"minutes": 30}},
        expect=202,
    )
    assert {api.get(f"/v1/events/{i}", expect=200).json()["status"] for i in ids} == {"processed"}

    fay = api.player("fay")
    # 8 × 10 + 2 × 15 = 110, mission +15, bronze +20, 30 focus minutes / 5 = 6.
    assert fay["currencies"]["xp"]["balance"] == 151
    assert fay["currencies"]["xp"]["level"]["level"] == 2
    PAGE.says("**151 XP**, level 2")
    quests = {q["id"]: q for q in api.get("/v1/players/fay/quests", expect=200).json()["data"]}
    assert quests["daily-three"]["completed"] is True
    badges = {
        a["id"]: a for a in api.get("/v1/players/fay/achievements", expect=200).json()["data"]
    }
    assert [t["tier"] for t in badges["task-master"]["tiers"] if t["unlocked"]] == ["bronze"]

    token = api.post("/v1/players/fay/token", expect=200).json()["token"]
    page = client.get("/play", params={"access_token": token, "lang": "en"})
    assert page.status_code == 200
    assert "Level 2" in page.text
    assert "data-balance>151<" in page.text
    badges_page = client.get("/play/badges")
    assert "Task master" in badges_page.text
    assert "Three today" in client.get("/play/missions").text
    PAGE.says("Level 2", "Task master", "Three today")
