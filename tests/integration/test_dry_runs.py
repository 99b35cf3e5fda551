"""Dry runs: the event log replayed through a draft design in the background, reported
against what actually happened, with live state left alone."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.conftest import Api
from tests.support.snapshot import database_rows

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PLAYERS = ["ada", "bo", "cy", "dee"]


def history(api: Api) -> None:
    """SkillQuest, four players, two weeks of attempts (some passed, one with no score)."""
    api.publish_blueprint("skillquest")
    for key, xp in {"basics": 100, "big": 299, "huge": 500}.items():
        api.item(key, "challenge", xp=xp, pass_score=70)
    events: list[dict[str, Any]] = []
    for number, player in enumerate(PLAYERS):
        for day in range(0, 14, number + 1):
            for item, score in (("basics", 60 + 5 * day), ("big", 90), ("huge", 75 - day)):
                events.append(
                    {
                        "type": "attempt.submitted",
                        "player": player,
                        "item": item,
                        "time": (START + timedelta(days=day, hours=number)).isoformat(),
                        "properties": {"score": score},
                    }
                )
    events.append({"type": "attempt.submitted", "player": "bo", "item": "basics"})
    api.post("/v1/events/batch", params={"wait": "true"}, json={"events": events}, expect=202)


def current_design(api: Api) -> dict[str, Any]:
    return dict(api.get("/v1/config", expect=200).json()["document"])


def dry_run(api: Api, **body: Any) -> dict[str, Any]:
    started = api.post("/v1/config/dry-runs", json=body, expect=202).json()
    assert started["status"] == "pending"
    api.client.app.state.questline.dry_runs.wait()  # type: ignore[attr-defined]
    done = api.get(f"/v1/config/dry-runs/{started['id']}", expect=200).json()
    assert done["status"] == "finished", done
    return dict(done)


def live_rows(api: Api) -> dict[str, list[str]]:
    found = database_rows(api.client.app.state.questline.database)  # type: ignore[attr-defined]
    del found["dry_runs"]
    # Asking for a dry run is audited; the run itself writes nothing but its own row.
    found["audit_entries"] = [e for e in found["audit_entries"] if "'config.dry_run'" not in e]
    return found


def test_the_current_design_over_the_whole_log_reproduces_live_state_exactly(api: Api) -> None:
    history(api)
    before = live_rows(api)
    done = dry_run(api, design=current_design(api))
    assert live_rows(api) == before
    report = done["report"]
    assert (done["players_total"], done["players_done"], report["players"]) == (4, 4, 4)
    assert report["players_differing"] == 0
    xp = report["currencies"]["xp"]
    assert xp["live_total"] == sum(api.player(p)["currencies"]["xp"]["balance"] for p in PLAYERS)
    assert xp["dry_run_total"] == xp["live_total"] > 0
    assert xp["per_player_change"] == {"min": 0, "p50": 0, "p90": 0, "max": 0}
    assert report["levels"]["xp"]["before"] == report["levels"]["xp"]["after"]
    unlocked = report["achievements"]
    assert unlocked["ten-passes"]["live_players"] > 0
    assert all(a["would_unlock"] == a["would_not_unlock"] == 0 for a in unlocked.values())
    assert all(a["live_players"] == a["dry_run_players"] for a in unlocked.values())
    # The event without a score failed live and fails in the replay, for the same reason.
    [failure] = report["failures"]
    assert (failure["player"], report["failed_events"]) == ("bo", 1)
    assert "event.score" in failure["reason"]


def test_a_draft_reports_each_currencys_change_levels_and_achievements(api: Api) -> None:
    history(api)
    before = live_rows(api)
    draft = current_design(api)
    draft["rules"][0]["award"]["xp"] = "2 * item.xp * clamp(event.score, 0, 100) / 100"
    draft["achievements"] = [a for a in draft["achievements"] if a["id"] != "ten-passes"]
    report = dry_run(api, design=draft)["report"]
    assert live_rows(api) == before
    balances = sorted(api.player(p)["currencies"]["xp"]["balance"] for p in PLAYERS)
    xp = report["currencies"]["xp"]
    assert xp["change"] == xp["live_total"] == sum(balances)
    # Doubling every award adds each player's balance again (floor rounding may add one).
    assert balances[-1] <= xp["per_player_change"]["max"] <= balances[-1] + 40
    assert balances[1] <= xp["per_player_change"]["p50"] <= balances[1] + 40
    assert xp["players_changed"] == 4
    levels = report["levels"]["xp"]
    assert sum(levels["before"].values()) == sum(levels["after"].values()) == 4
    assert max(map(int, levels["after"])) > max(map(int, levels["before"]))
    assert report["achievements"]["ten-passes"]["would_not_unlock"] > 0
    assert report["achievements"]["ten-passes"]["dry_run_players"] == 0


def test_events_a_draft_cannot_score_are_listed_with_the_reason(api: Api) -> None:
    history(api)
    draft = current_design(api)
    draft["rules"][0]["award"]["xp"] = "event.minutes"
    report = dry_run(api, design=draft)["report"]
    assert report["failed_events"] == report["events"]
    assert {f["type"] for f in report["failures"]} == {"attempt.submitted"}
    reasons = [f["reason"] for f in report["failures"]]
    # bo's attempt without a score fails earlier, at the metric of passed attempts.
    assert sum("event.minutes" in reason for reason in reasons) == len(reasons) - 1


def test_a_sample_of_players_or_those_active_since_a_time_are_replayed(api: Api) -> None:
    history(api)
    sample = dry_run(api, design=current_design(api), players=["bo", "nobody"])
    assert (sample["players"], sample["report"]["players"]) == (["bo", "nobody"], 1)
    # Only ada (every day) has an attempt on day 13, and bo the one sent without a time.
    later = (START + timedelta(days=13)).isoformat()
    since = dry_run(api, design=current_design(api), since=later)
    assert since["report"]["players"] == 2
    assert since["report"]["players_differing"] == 0


def test_a_bad_draft_is_refused_and_nothing_is_recorded(api: Api) -> None:
    history(api)
    before = database_rows(api.client.app.state.questline.database)  # type: ignore[attr-defined]
    bad = copy.deepcopy(current_design(api))
    bad["rules"][0]["award"] = {"gold": 1}
    problem = api.post("/v1/config/dry-runs", json={"design": bad}, expect=422).json()
    assert problem["code"] == "invalid_design"
    assert problem["errors"][0]["loc"][:2] == ["design", "rules"]
    api.post("/v1/config/dry-runs", json={"design": {}, "dry": 1}, expect=422)
    assert database_rows(api.client.app.state.questline.database) == before  # type: ignore[attr-defined]


@pytest.mark.parametrize("run_id", ["1", "999"])
def test_a_dry_run_that_does_not_exist_is_not_found(api: Api, run_id: str) -> None:
    api.get(f"/v1/config/dry-runs/{run_id}", expect=404)


def live_top(api: Api, board: str, **params: str) -> list[dict[str, Any]]:
    page = api.get(f"/v1/leaderboards/{board}", params=params, expect=200).json()
    return [{k: entry[k] for k in ("rank", "player", "score")} for entry in page["data"]]


def test_the_current_designs_boards_replayed_match_the_live_boards(api: Api) -> None:
    history(api)
    draft = current_design(api)
    draft["leaderboards"]["weekly_xp"] = {"rank_by": "currency.xp", "period": "week"}
    api.request("PUT", "/v1/players/cy/leaderboards", json={"hidden": True}, expect=200)
    boards = dry_run(api, design=draft)["report"]["leaderboards"]
    [standing] = boards["global_xp"]["partitions"]
    assert boards["global_xp"]["in_current_design"] is True
    assert standing["before"] == standing["after"] == live_top(api, "global_xp")
    assert "cy" not in {entry["player"] for entry in standing["after"]}
    assert len(standing["after"]) == 3
    assert standing["entered"] == standing["left"] == standing["moved"] == []
    # A board new in the draft: nothing before, and this week's run (no event in it).
    weekly = boards["weekly_xp"]
    assert (weekly["in_current_design"], weekly["run_before"]) == (False, None)
    assert weekly["partitions"] == []


def test_a_draft_reports_who_enters_leaves_and_moves_on_each_board(api: Api) -> None:
    history(api)
    draft = current_design(api)
    # XP only for the first day's attempt at 'basics' (scored 60): everyone ties.
    draft["rules"][0]["award"]["xp"] = "1000 if event.score == 60 else 0"
    draft["leaderboards"]["global_xp"]["ranking"] = "dense"
    before = live_rows(api)
    [standing] = dry_run(api, design=draft)["report"]["leaderboards"]["global_xp"]["partitions"]
    assert live_rows(api) == before
    assert standing["before"] == live_top(api, "global_xp")
    after_scores = [entry["score"] for entry in standing["after"]]
    assert after_scores == sorted(after_scores, reverse=True)
    ranks_after = {entry["player"]: entry["rank"] for entry in standing["after"]}
    ranks_before = {entry["player"]: entry["rank"] for entry in standing["before"]}
    assert standing["moved"] == [
        {"player": p, "before": ranks_before[p], "after": r}
        for p, r in ranks_after.items()
        if p in ranks_before and ranks_before[p] != r
    ]
    assert set(after_scores) == {1000}
    assert set(ranks_after.values()) == {1}
    assert len(standing["moved"]) == 3  # all but the leader move up to a shared first place
    assert standing["entered"] == [p for p in ranks_after if p not in ranks_before]
    assert standing["left"] == [p for p in ranks_before if p not in ranks_after]
