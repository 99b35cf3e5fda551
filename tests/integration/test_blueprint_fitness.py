"""Fitness over HTTP: per-exercise multipliers, the Weight Bonus, a full breakdown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from questline.yamlfile import load_yaml
from tests.integration.conftest import BLUEPRINTS, Api


def _setup(api: Api) -> None:
    api.publish_blueprint("fitness")
    seed = load_yaml(Path(BLUEPRINTS / "fitness.seed.yaml").read_text(encoding="utf-8"))
    for item in seed["items"]:
        api.post("/v1/items", json=item, expect=201)


def _award(result: dict[str, Any]) -> dict[str, Any]:
    return dict(next(e for e in result["effects"] if e["kind"] == "currency_awarded"))


def test_a_heavy_squat_gets_the_weight_bonus_and_rounds_half_up(api: Api) -> None:
    _setup(api)
    award = _award(api.event("noa", "workout.logged", item="squat", reps=10, sets=3, weight_kg=50))
    # 10 base + 10×3×1 per rep + 3×2 per set + 50×0.1 per kg = 51; ×1.5 = 76.5 → 77
    assert award["amount"] == 77
    breakdown = award["breakdown"]
    assert breakdown["base"] == 51
    assert breakdown["steps"] == [
        {"step": "multiply", "name": "Weight Bonus", "by": "1.5", "result": "76.5"},
        {"step": "round", "mode": "half_up", "result": 77},
    ]
    assert "Weight Bonus ×1.5" in award["explanation"]


def test_40_kg_is_not_over_40_kg(api: Api) -> None:
    _setup(api)
    award = _award(api.event("noa", "workout.logged", item="squat", reps=10, sets=3, weight_kg=40))
    assert award["amount"] == 50  # 10 + 30 + 6 + 4, no bonus
    assert award["breakdown"]["steps"] == []


def test_bulk_calculation_returns_every_breakdown(api: Api) -> None:
    _setup(api)
    events = [
        {
            "type": "workout.logged",
            "player": "sam",
            "item": "push-up",
            "properties": {"reps": 20, "sets": 5},
        },
        {
            "type": "workout.logged",
            "player": "sam",
            "item": "deadlift",
            "properties": {"reps": 5, "sets": 3, "weight_kg": 100},
        },
        {
            "type": "workout.logged",
            "player": "sam",
            "item": "plank",
            "properties": {"duration_s": 90},
        },
        {
            "type": "workout.logged",
            "player": "sam",
            "item": "burpee",
            "properties": {"reps": 10, "sets": 2},
        },
    ]
    result = api.post(
        "/v1/events/batch", params={"wait": "true"}, json={"events": events}, expect=202
    ).json()
    amounts = [_award(r)["amount"] for r in result["results"]]
    # push-up: 5 + 100×0.5 + 5×1 = 60, Endurance Bonus +5 → 65
    # deadlift: 15 + 15×1.5 + 3×3 + 100×0.2 = 66.5, ×1.5 = 99.75 → 100
    # plank: 5 + 90×0.2 = 23; burpee: 8 + 20×2 + 2×1 = 50
    assert amounts == [65, 100, 23, 50]
    assert api.player("sam")["currencies"]["points"]["balance"] == 238
    assert api.player("sam")["metrics"]["reps"]["all"] == 100 + 15 + 0 + 20


def test_exercise_names_are_localized(api: Api) -> None:
    _setup(api)
    squat = api.get("/v1/items/squat", expect=200).json()
    assert squat["names"] == {"en": "Squat", "he": "סקוואט"}
