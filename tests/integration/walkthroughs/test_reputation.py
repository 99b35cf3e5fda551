"""The reputation walkthrough (docs/walkthroughs/reputation.md) over HTTP: reliability =
completed sessions − no-shows, kept within [−5, 20]; gold ≥ 10, green ≥ 0, red < 0."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Api
from tests.integration.walkthroughs.walkthrough import Walkthrough, blueprint

PAGE = Walkthrough("reputation")


def reliability(completed: int, no_shows: int) -> int:
    return max(-5, min(20, completed - no_shows))


def tier(value: int) -> str:
    return "gold" if value >= 10 else "green" if value >= 0 else "red"


def score(api: Api, player: str) -> dict[str, Any]:
    body = api.get(f"/v1/players/{player}/scores/reputation", expect=200).json()
    return {k: body[k] for k in ("value", "tier", "components")}


def sessions(api: Api, player: str, type_: str, count: int) -> list[tuple[str, str, int]]:
    changes = []
    for _ in range(count):
        for effect in api.event(player, type_)["effects"]:
            if effect["kind"] == "score_tier_changed":
                changes.append((effect["previous_tier"], effect["tier"], effect["value"]))
    return changes


def test_the_reputation_walkthrough(api: Api) -> None:
    api.publish(blueprint("reputation"))

    assert score(api, "kai") == {
        "value": 0,
        "tier": "green",
        "components": {"metric.completed": 0, "metric.no_shows": 0, "formula": 0},
    }
    PAGE.says('"player": "kai", "value": 0, "tier": "green"')

    assert sessions(api, "kai", "session.completed", 3) == []
    assert sessions(api, "kai", "session.no_show", 1) == []
    assert score(api, "kai")["value"] == reliability(3, 1) == 2
    PAGE.says("3 sessions and misses 1: 3 − 1 = **2**, green")

    assert sessions(api, "kai", "session.no_show", 10) == [("green", "red", -1)]
    assert score(api, "kai") == {
        "value": reliability(3, 11),
        "tier": "red",
        "components": {"metric.completed": 3, "metric.no_shows": 11, "formula": -8},
    }
    PAGE.says('"value": -5, "tier": "red"', '"formula": -8')

    assert sessions(api, "kai", "session.completed", 30) == [
        ("red", "green", 0),
        ("green", "gold", 10),
    ]
    final = score(api, "kai")
    assert (final["value"], final["tier"], final["components"]["formula"]) == (
        reliability(33, 11),
        tier(20),
        22,
    )
    PAGE.says("red → green at 0", "green → gold at 10", "**20**, gold (the formula says 22)")
