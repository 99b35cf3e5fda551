"""An erased player in dry runs: reports already written name them by their pseudonym
only (boards, samples, failed events and their reasons), a run still going does the
same, and runs after the erasure leave them out, as the leaderboards do."""

from __future__ import annotations

import json
from typing import Any

from questline.engine.dry_run import ERASED_DETAILS
from questline.processing.dry_runs import run_dry_run
from tests.integration.conftest import Api
from tests.integration.test_dry_runs import current_design, dry_run, history

NOTE = "Bo, from Lyon"


def erase(api: Api, player: str) -> str:
    """Erase `player`; their pseudonym, as the audit log names it."""
    api.request("DELETE", f"/v1/players/{player}", expect=204)
    entry = api.get("/v1/audit", params={"action": "player.erase"}, expect=200).json()["data"][0]
    return str(entry["target_id"])


def noted_attempt(api: Api) -> None:
    """An attempt of bo's carrying a note in their own words."""
    event = {
        "type": "attempt.submitted",
        "player": "bo",
        "item": "basics",
        "properties": {"score": 80, "note": NOTE},
    }
    api.post("/v1/events", params={"wait": "true"}, json=event, expect=202)


def mentions(run: dict[str, Any], *words: str) -> set[str]:
    text = json.dumps(run)
    return {word for word in words if word in text}


def test_a_written_report_names_an_erased_player_by_their_pseudonym_only(api: Api) -> None:
    history(api)
    noted_attempt(api)
    draft = current_design(api)
    draft["rules"][0]["award"]["xp"] = "event.note"  # every attempt fails, bo's quoting it
    done = dry_run(api, design=draft, players=["ada", "bo"])
    theirs = [f for f in done["report"]["failures"] if f["player"] == "bo"]
    assert any(NOTE in failure["reason"] for failure in theirs)
    event_ids = [failure["event"] for failure in theirs]
    assert mentions(done, '"bo"', NOTE, *event_ids) == {'"bo"', NOTE, *event_ids}

    pseudonym = erase(api, "bo")
    after = api.get(f"/v1/config/dry-runs/{done['id']}", expect=200).json()
    assert mentions(after, '"bo"', NOTE, *event_ids) == set()
    assert after["players"] == ["ada", pseudonym]
    renamed = [f for f in after["report"]["failures"] if f["player"] == pseudonym]
    assert len(renamed) == len(theirs)
    assert all(f["event"].startswith("erased-") for f in renamed)
    assert all(f["reason"].endswith(ERASED_DETAILS) for f in renamed)
    assert {f["reason"].split(":")[0] for f in renamed} == {
        f["reason"].split(":")[0] for f in theirs
    }
    # ada's own failures, and the numbers, are as they were.
    ada = [f for f in done["report"]["failures"] if f["player"] == "ada"]
    assert [f for f in after["report"]["failures"] if f["player"] == "ada"] == ada
    assert after["report"]["currencies"] == done["report"]["currencies"]
    [standing] = after["report"]["leaderboards"]["global_xp"]["partitions"]
    assert pseudonym in {entry["player"] for entry in standing["before"]}


def test_a_dry_run_after_an_erasure_leaves_the_erased_player_out(api: Api) -> None:
    history(api)
    pseudonym = erase(api, "bo")
    done = dry_run(api, design=current_design(api))
    report = done["report"]
    # bo's events lost the properties a replay reads: replayed, they would differ.
    assert (done["players_total"], report["players"], report["players_erased"]) == (3, 3, 1)
    assert report["players_differing"] == 0
    assert report["failures"] == []  # bo's attempt without a score was the only one
    assert mentions(done, pseudonym, '"bo"') == set()


def test_a_player_erased_while_a_dry_run_runs_is_named_by_pseudonym_in_its_report(
    api: Api,
) -> None:
    history(api)
    context = api.client.app.state.questline  # type: ignore[attr-defined]

    class Held:
        """Leaves the run pending: this test runs it, a player at a time."""

        def start(self, run_id: int) -> None:
            pass

        def wait(self, timeout: float = 30) -> None:
            pass

    context.dry_runs = Held()
    run = api.post("/v1/config/dry-runs", json={"design": current_design(api)}, expect=202)
    erased: list[str] = []

    def erase_bo_once_tallied(players_done: int) -> None:
        progress = api.get(f"/v1/config/dry-runs/{run.json()['id']}", expect=200).json()
        if not erased and '"bo"' in json.dumps(progress["report"]):
            erased.append(erase(api, "bo"))

    run_dry_run(
        context.database,
        context.designs,
        run.json()["id"],
        chunk=1,
        after_chunk=erase_bo_once_tallied,
    )
    [pseudonym] = erased
    done = api.get(f"/v1/config/dry-runs/{run.json()['id']}", expect=200).json()
    assert done["status"] == "finished"
    assert mentions(done, '"bo"') == set()
    [failure] = done["report"]["failures"]
    assert (failure["player"], failure["reason"]) == (
        pseudonym,
        f"metric 'passed': {ERASED_DETAILS}",
    )
    assert failure["event"].startswith("erased-")
    [standing] = done["report"]["leaderboards"]["global_xp"]["partitions"]
    assert pseudonym in {entry["player"] for entry in standing["after"]}
