"""The SkillQuest walkthrough (docs/walkthroughs/skillquest.md) over HTTP: attempts → XP =
challenge XP × score / 100, levels on ⌊√(XP/100)⌋ + 1, badges, the global board."""

from __future__ import annotations

from math import floor, isqrt
from typing import Any

from questline.yamlfile import load_yaml
from tests.integration.conftest import BLUEPRINTS, Api
from tests.integration.walkthroughs.walkthrough import Walkthrough, blueprint

PAGE = Walkthrough("skillquest")
SEED = load_yaml((BLUEPRINTS / "skillquest.seed.yaml").read_text(encoding="utf-8"))
CHALLENGES = {item["key"]: item["attributes"] for item in SEED["items"]}
ATTEMPTS = [(e["player"], e["item"], e["properties"]["score"]) for e in SEED["events"]]


def xp(challenge: str, score: int) -> int:
    return floor(CHALLENGES[challenge]["xp"] * score / 100)


def level(total: int) -> int:
    return isqrt(total // 100) + 1


def attempt(api: Api, player: str, challenge: str, score: int) -> dict[str, Any]:
    return api.event(player, "attempt.submitted", item=challenge, score=score)


def test_the_skillquest_walkthrough(api: Api) -> None:
    api.publish(blueprint("skillquest"))
    for item in SEED["items"]:
        api.post("/v1/items", json=item, expect=201)

    gained = [
        next(e["amount"] for e in attempt(api, *a)["effects"] if e["kind"] == "currency_awarded")
        for a in ATTEMPTS
    ]
    assert gained == [xp(c, s) for _, c, s in ATTEMPTS] == [85, 138, 195, 285, 100, 96, 55]
    PAGE.says("85, 138, 195, 285", "100, 96", "| linus | sql-basics 55 | 55 | 55 | 1 |")

    ada = api.player("ada")
    assert ada["currencies"]["xp"]["balance"] == 703
    assert level(703) == 3
    assert ada["currencies"]["xp"]["level"] == {
        "level": 3,
        "total": 703,
        "level_started_at": 400,
        "next_level_at": 900,
        "remaining": 197,
        "percent": 60.6,
    }
    PAGE.says(
        '{"level": 3, "total": 703, "level_started_at": 400, "next_level_at": 900,'
        ' "remaining": 197, "percent": 60.6}'
    )
    assert (ada["metrics"]["attempts"]["all"], ada["metrics"]["passed"]["all"]) == (4, 3)
    assert api.player("grace")["currencies"]["xp"]["level"]["level"] == level(196) == 2

    badges = {
        a["id"]: a for a in api.get("/v1/players/ada/achievements", expect=200).json()["data"]
    }
    progress = {
        k: (v["unlocked"], v["tiers"][0]["current"], v["tiers"][0]["percent"])
        for k, v in badges.items()
    }
    assert progress["thousand-club"] == (False, 703, 70.3)
    assert progress["ten-passes"] == (False, 3, 30.0)
    PAGE.says("703 of 1,000 (70.3 %)", "3 of 10 (30.0 %)")

    board = api.get("/v1/leaderboards/global_xp", expect=200).json()["data"]
    assert [(r["player"], r["score"], r["rank"]) for r in board] == [
        ("ada", 703, 1),
        ("grace", 196, 2),
        ("linus", 55, 3),
    ]
    PAGE.says("ada 703, grace 196, linus 55")

    again = attempt(api, "ada", "indexing", 100)["effects"]
    kinds = {e["kind"]: e for e in again}
    assert kinds["currency_awarded"]["amount"] == 300
    assert kinds["currency_awarded"]["balance_after"] == 1003
    assert (kinds["level_reached"]["previous_level"], kinds["level_reached"]["level"]) == (3, 4)
    assert kinds["achievement_unlocked"]["achievement"] == "thousand-club"
    PAGE.says("1,003 XP", "`level_reached` 3 → 4", "`achievement_unlocked` `thousand-club`")
