"""A player's scores come with the player, as the score list shows them, and every score
name is read in one language by one rule: `?locale=`, else the player's, else the
design's default."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Api

DESIGN = """
default_locale: fr
metrics:
  done: {count: done}
  missed: {count: missed}
scores:
  level: {name: {en: Level, he: רמה}, formula: "metric.done * 2", max: 10}
  trust:
    name: {fr: Confiance, de: Vertrauen}
    formula: "10 - metric.missed"
    min: 0
    tiers: [{name: good, min: 8}, {name: low}]
"""


def _send(api: Api, player: str, kind: str, **profile: Any) -> None:
    body: dict[str, Any] = {"type": kind, "player": player}
    if profile:
        body["profile"] = profile
    api.post("/v1/events", params={"wait": "true"}, json=body, expect=202)


def _names(api: Api, player: str, **params: Any) -> dict[str, list[str | None]]:
    """Each read's score names, in the design's order."""
    resource = api.get(f"/v1/players/{player}", params=params, expect=200).json()
    listed = api.get(f"/v1/players/{player}/scores", params=params, expect=200).json()
    one = api.get(f"/v1/players/{player}/scores/trust", params=params, expect=200).json()
    return {
        "resource": [s["name"] for s in resource["scores"].values()],
        "list": [s["name"] for s in listed["data"]],
        "one": [one["name"]],
    }


def test_the_player_carries_its_scores_as_the_list_shows_them(api: Api) -> None:
    api.publish(DESIGN)
    _send(api, "gil", "done")
    _send(api, "gil", "missed")
    player = api.get("/v1/players/gil", expect=200).json()
    assert player["scores"] == {
        "level": {"name": "Level", "value": 2, "tier": None, "min": None, "max": 10},
        "trust": {"name": "Confiance", "value": 9, "tier": "good", "min": 0, "max": None},
    }
    listed = api.get("/v1/players/gil/scores", expect=200).json()["data"]
    fields = ("name", "value", "tier", "min", "max")
    assert {s["key"]: {f: s[f] for f in fields} for s in listed} == player["scores"]
    token = api.post("/v1/players/gil/token", expect=200).json()["token"]
    own = api.client.get("/v1/players/gil", headers={"Authorization": f"Bearer {token}"})
    assert own.status_code == 200
    assert own.json()["scores"] == player["scores"]


def test_score_names_are_asked_for_else_the_players_else_the_designs_default(api: Api) -> None:
    api.publish(DESIGN)
    _send(api, "ana", "done")  # no locale of her own
    _send(api, "dov", "done", locale="he-IL")
    _send(api, "eva", "done", locale="de")
    # The design's default locale (fr); where a name lacks it, English.
    assert _names(api, "ana") == {
        "resource": ["Level", "Confiance"],
        "list": ["Level", "Confiance"],
        "one": ["Confiance"],
    }
    # The player's own locale, by its language ("he" for "he-IL").
    assert _names(api, "dov")["resource"] == ["רמה", "Confiance"]
    assert _names(api, "eva") == {
        "resource": ["Level", "Vertrauen"],
        "list": ["Level", "Vertrauen"],
        "one": ["Vertrauen"],
    }
    # ?locale= before the player's own.
    assert _names(api, "eva", locale="he") == {
        "resource": ["רמה", "Confiance"],
        "list": ["רמה", "Confiance"],
        "one": ["Confiance"],
    }
    assert _names(api, "dov", locale="fr")["resource"] == ["Level", "Confiance"]


def test_without_a_default_locale_names_fall_back_to_english_else_the_first_locale(
    api: Api,
) -> None:
    # The same on every database: not the order the design's JSON happens to be kept in.
    api.publish(DESIGN.replace("default_locale: fr\n", ""))
    _send(api, "ana", "done")
    assert _names(api, "ana")["resource"] == ["Level", "Vertrauen"]


def test_a_score_that_cannot_be_computed_is_left_out_of_the_player_only(api: Api) -> None:
    api.publish(DESIGN + '  ratio: {formula: "metric.done / metric.missed"}\n')
    _send(api, "gil", "done")  # no misses yet: the ratio divides by zero
    player = api.get("/v1/players/gil", expect=200).json()
    assert sorted(player["scores"]) == ["level", "trust"]
    assert player["currencies"] == {}
    _send(api, "gil", "missed")
    assert api.get("/v1/players/gil", expect=200).json()["scores"]["ratio"]["value"] == 1
