"""The fitness walkthrough (docs/walkthroughs/fitness.md), step by step over HTTP and the
CLI, with the numbers the page shows — computed here from the blueprint's formula."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from questline.yamlfile import load_yaml
from questline_client import Questline
from tests.conftest import ADMIN_KEY
from tests.integration.conftest import BLUEPRINTS, Api
from tests.integration.test_bundles import questline
from tests.integration.walkthroughs.walkthrough import Walkthrough, blueprint

PAGE = Walkthrough("fitness")
SEED = load_yaml((BLUEPRINTS / "fitness.seed.yaml").read_text(encoding="utf-8"))
EXERCISES = {item["key"]: item for item in SEED["items"]}


def points(attributes: dict[str, Any], **workout: float) -> int:
    """The blueprint's rule `exercise-points`, by hand."""
    reps, sets = workout.get("reps", 0), workout.get("sets")
    weight, seconds = workout.get("weight_kg", 0), workout.get("duration_s", 0)
    a = {k: Decimal(str(v)) for k, v in attributes.items()}
    value = (
        a["base_points"]
        + Decimal(str(reps)) * Decimal(str(sets if sets is not None else 1)) * a["per_rep"]
        + Decimal(str(sets or 0)) * a["per_set"]
        + Decimal(str(weight)) * a["per_kg"]
        + Decimal(str(seconds)) * a["per_second"]
    )
    if weight > 40:
        value *= Decimal("1.5")
    if (sets or 0) >= 5:
        value += 5
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def workout(player: str, item: str, **properties: float) -> dict[str, Any]:
    return {"type": "workout.logged", "player": player, "item": item, "properties": properties}


def awards(results: list[dict[str, Any]]) -> list[int]:
    return [
        next(e["amount"] for e in r["effects"] if e["kind"] == "currency_awarded") for r in results
    ]


NOA_SQUAT = {"reps": 10, "sets": 3, "weight_kg": 50}
NOA_PLANK = {"duration_s": 90}
SAM_SESSION = [
    ("push-up", {"reps": 20, "sets": 5}),
    ("deadlift", {"reps": 5, "sets": 3, "weight_kg": 100}),
    ("plank", {"duration_s": 90}),
    ("burpee", {"reps": 10, "sets": 2}),
]
SWING = {
    "key": "kettlebell-swing",
    "kind": "exercise",
    "names": {"he": "סווינג קטלבל", "en": "Kettlebell swing"},
    "attributes": {"base_points": 6, "per_rep": 0.5, "per_set": 1, "per_kg": 0.3, "per_second": 0},
}
NOA_SWING = {"reps": 15, "sets": 3, "weight_kg": 16}


def test_the_fitness_walkthrough(
    api: Api, client: TestClient, database_url: str, tmp_path: Path
) -> None:
    # 1. Start: the server is alive and ready; publish the blueprint; add the exercises.
    assert api.get("/health", expect=200).json() == {"status": "ok"}
    ready = api.get("/ready", expect=200).json()
    assert (ready["status"], ready["checks"]["database"]["status"]) == ("ok", "ok")
    assert api.publish(blueprint("fitness"))["version"] == 1
    for item in SEED["items"]:
        api.post("/v1/items", json=item, expect=201)
    squat = api.get("/v1/items/squat", expect=200).json()
    assert squat["names"] == {"en": "Squat", "he": "סקוואט"}
    PAGE.says('"names": {"he": "סקוואט", "en": "Squat"}')
    listed = api.get("/v1/items", params={"kind": "exercise"}, expect=200).json()["data"]
    assert [i["key"] for i in listed] == list(EXERCISES)

    # 2. Calculate: one workout previewed, with its breakdown; nothing is recorded.
    expected = points(EXERCISES["squat"]["attributes"], **NOA_SQUAT)
    assert expected == 77
    preview = api.post(
        "/v1/events/preview", json={"event": workout("noa", "squat", **NOA_SQUAT)}, expect=200
    ).json()
    [award] = [e for e in preview["results"][0]["effects"] if e["kind"] == "currency_awarded"]
    assert (award["amount"], award["breakdown"]["base"]) == (expected, 51)
    assert award["breakdown"]["steps"] == [
        {"step": "multiply", "name": "Weight Bonus", "by": "1.5", "result": "76.5"},
        {"step": "round", "mode": "half_up", "result": 77},
    ]
    PAGE.says('"amount": 77', '"base": 51', '"result": "76.5"', "→ **77 points**")
    api.get("/v1/players/noa", expect=404)

    # 3. Bulk calculate: Sam's session previewed, each with its breakdown.
    session = [workout("sam", key, **props) for key, props in SAM_SESSION]
    by_hand = [points(EXERCISES[key]["attributes"], **props) for key, props in SAM_SESSION]
    assert by_hand == [65, 100, 23, 50]
    bulk = api.post("/v1/events/preview", json={"events": session}, expect=200).json()
    assert awards(bulk["results"]) == by_hand
    running = [
        next(e["balance_after"] for e in r["effects"] if e["kind"] == "currency_awarded")
        for r in bulk["results"]
    ]
    assert running == [65, 165, 188, 238]
    PAGE.says(
        "| push-up | 20 reps × 5 sets | 5 + 20×5×0.5 + 5×1 = 60 "
        "| Endurance Bonus +5 | **65** | 65 |"
    )
    PAGE.says(
        "| deadlift | 5 reps × 3 sets, 100 kg | 15 + 5×3×1.5 + 3×3 + 100×0.2 = 66.5 "
        "| Weight Bonus ×1.5 = 99.75 | **100** | 165 |"
    )
    PAGE.says("| plank | 90 s | 5 + 90×0.2 = 23 | — | **23** | 188 |")
    PAGE.says("| burpee | 10 reps × 2 sets | 8 + 10×2×2 + 2×1 = 50 | — | **50** | 238 |")
    api.get("/v1/players/sam", expect=404)

    # 4. Log workouts: one at a time, and a session as one batch.
    logged = api.event("noa", "workout.logged", item="squat", **NOA_SQUAT)
    assert awards([logged]) == [77]
    assert awards([api.event("noa", "workout.logged", item="plank", **NOA_PLANK)]) == [23]
    batch = api.post(
        "/v1/events/batch", params={"wait": "true"}, json={"events": session}, expect=202
    ).json()
    assert (batch["accepted"], awards(batch["results"])) == (4, by_hand)

    # 5. History: the ledger, newest first, each entry explained.
    ledger = api.get("/v1/players/sam/ledger", expect=200).json()["data"]
    assert [(e["amount"], e["balance_after"]) for e in ledger] == [
        (50, 238),
        (23, 188),
        (100, 165),
        (65, 65),
    ]
    assert all(e["cause"] == "rule" and e["cause_id"] == "exercise-points" for e in ledger)
    assert "Weight Bonus ×1.5" in ledger[2]["explanation"]
    PAGE.says("50, 23, 100, 65", "238, 188, 165, 65")

    # 6. Stats: balance and metrics; points per exercise summed by the host.
    sam = api.player("sam")
    assert sam["currencies"]["points"]["balance"] == 238
    assert {k: sam["metrics"][k]["all"] for k in ("workouts", "reps", "active_days")} == {
        "workouts": 4,
        "reps": 135,
        "active_days": 1,
    }
    assert sam["metrics"]["reps"]["week"] == 135
    PAGE.says(
        '"workouts": {"today": 4, "week": 4, "all": 4}',
        '"reps": {"today": 135, "week": 135, "all": 135}',
    )
    host: dict[str, Any] = {
        "questline": Questline(ADMIN_KEY, "http://testserver", http_client=client)
    }
    exec(PAGE.file("per_exercise.py"), host)  # the page's code, as a host app runs it
    assert host["points_per_exercise"]("noa") == {"plank": 23, "squat": 77}

    # 7. The leaderboard.
    board = api.get("/v1/leaderboards/points", expect=200).json()
    assert [(r["player"], r["score"], r["rank"]) for r in board["data"]] == [
        ("sam", 238, 1),
        ("noa", 100, 2),
    ]
    assert [(r["display_name"], r["avatar_url"]) for r in board["data"]] == [(None, None)] * 2
    PAGE.says(
        '{"player": "sam", "display_name": null, "avatar_url": null, "score": 238, "rank": 1,'
        ' "position": 1}'
    )
    PAGE.says(
        '{"player": "noa", "display_name": null, "avatar_url": null, "score": 100, "rank": 2,'
        ' "position": 2}'
    )

    # 8. Exercise admin: create, update, deactivate.
    api.post("/v1/items", json=SWING, expect=201)
    first = points(SWING["attributes"], **NOA_SWING)
    assert first == 36  # 6 + 22.5 + 3 + 4.8 = 36.3
    one = {"event": workout("noa", "kettlebell-swing", **NOA_SWING)}
    assert awards(api.post("/v1/events/preview", json=one, expect=200).json()["results"]) == [36]
    updated = {**SWING["attributes"], "per_kg": 0.5}
    api.request("PATCH", "/v1/items/kettlebell-swing", json={"attributes": updated}, expect=200)
    second = points(updated, **NOA_SWING)
    assert second == 40  # 6 + 22.5 + 3 + 8 = 39.5, half up
    assert awards([api.event("noa", "workout.logged", item="kettlebell-swing", **NOA_SWING)]) == [
        40
    ]
    PAGE.says("= 36.3 → **36**", "= 39.5 → **40**")
    api.request("PATCH", "/v1/items/burpee", json={"active": False}, expect=200)
    refused = api.post("/v1/events", json=workout("sam", "burpee", reps=10, sets=2), expect=422)
    assert refused.json()["errors"][0]["loc"] == ["item"]
    assert api.get("/v1/items/burpee", expect=200).json()["active"] is False
    api.request("PATCH", "/v1/items/burpee", json={"active": True}, expect=200)

    # 9. Rule admin: a new design version with achievements; backfill; a new unlock.
    version = api.publish(blueprint("fitness") + PAGE.file("achievements.yaml"))
    assert version["version"] == 2
    versions = api.get("/v1/config/versions", expect=200).json()["data"]
    assert [v["version"] for v in versions][:2] == [2, 1]
    assert api.post("/v1/achievements/backfill", expect=200).json()["awarded"] == 3
    unlocked = {
        p: sorted(
            a["id"]
            for a in api.get(f"/v1/players/{p}/achievements", expect=200).json()["data"]
            if a["unlocked"]
        )
        for p in ("noa", "sam")
    }
    assert unlocked == {"noa": ["first-workout"], "sam": ["first-workout", "points-200"]}
    noa = {a["id"]: a for a in api.get("/v1/players/noa/achievements", expect=200).json()["data"]}
    assert (noa["points-200"]["tiers"][0]["current"], noa["points-200"]["tiers"][0]["percent"]) == (
        140,
        70.0,
    )
    PAGE.says("140 of 200 (70.0 %)")
    heavy = api.event("noa", "workout.logged", item="deadlift", reps=5, sets=3, weight_kg=100)
    assert awards([heavy]) == [100]
    assert [e["achievement"] for e in heavy["effects"] if e["kind"] == "achievement_unlocked"] == [
        "points-200"
    ]
    hebrew = api.get("/v1/achievements", params={"locale": "he"}, expect=200).json()["data"]
    assert {a["id"]: a["name"] for a in hebrew}["points-200"] == "200 נקודות"

    # 10. Export the design and catalog, apply it to a second server's database.
    exported = questline(database_url, "export")
    assert exported.returncode == 0, exported.stderr
    bundle = load_yaml(exported.stdout)
    assert {i["key"]: i["names"]["he"] for i in bundle["items"]}["squat"] == "סקוואט"
    (tmp_path / "fitness-bundle.yaml").write_text(exported.stdout, encoding="utf-8")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert questline(other, "migrate").returncode == 0
    applied = questline(other, "apply", "-f", str(tmp_path / "fitness-bundle.yaml"), "--yes")
    assert applied.returncode == 0, applied.stderr
    assert "design published as version 1, 6 item change(s)" in applied.stdout
    again = questline(other, "apply", "-f", str(tmp_path / "fitness-bundle.yaml"), "--yes")
    assert "already matches fitness-bundle.yaml: nothing to change" in again.stdout
    PAGE.says(
        "design published as version 1, 6 item change(s)",
        "already matches fitness-bundle.yaml: nothing to change",
    )
    assert load_yaml(questline(other, "export").stdout)["items"] == bundle["items"]

    # 11. Import a workout history from another system.
    history = tmp_path / "history.ndjson"
    history.write_text(PAGE.file("history.ndjson"), encoding="utf-8")
    imported = questline(database_url, "import", str(history))
    assert imported.returncode == 0, imported.stderr
    summary = imported.stdout + imported.stderr
    # The server's own worker may process the events before the command does.
    assert "3 rows: 3 accepted, 0 duplicates, 0 rejected" in summary
    PAGE.says("3 rows: 3 accepted, 0 duplicates, 0 rejected; 3 events processed")
    dana_rows = [json.loads(line) for line in PAGE.file("history.ndjson").splitlines() if line]
    dana = sum(points(EXERCISES[r["item"]]["attributes"], **r["properties"]) for r in dana_rows)
    assert dana == 154
    # The server's worker may still hold some of them: a later event of Dana's, waited
    # on, is processed after hers (it scores nothing).
    api.post("/v1/events", params={"wait": "true"}, json={"type": "app.opened", "player": "dana"})
    assert api.player("dana")["currencies"]["points"]["balance"] == 154
    again = questline(database_url, "import", str(history))
    assert "0 accepted, 3 duplicates" in again.stdout + again.stderr
    board = api.get("/v1/leaderboards/points", expect=200).json()["data"]
    assert [(r["player"], r["score"]) for r in board] == [("noa", 240), ("sam", 238), ("dana", 154)]
    PAGE.says("noa 240, sam 238, dana 154")
