"""Scheduled publishes: a design that takes effect at a future time and ends at a later
one, restoring the version before it, switched by the periodic job on a clock the test
gives it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from questline.processing.periodic import JobContext, switch_scheduled_publishes
from tests.integration.conftest import Api

DESIGN = """
currencies: {xp: {}}
rules: [{id: xp, on: lesson.done, award: {xp: 10}}]
"""
DOUBLE = {
    "currencies": {"xp": {}},
    "rules": [{"id": "xp", "on": "lesson.done", "award": {"xp": 20}}],
}
NOW = datetime.now(UTC)


def job(api: Api) -> JobContext:
    context = api.client.app.state.questline  # type: ignore[attr-defined]
    return JobContext(context.settings, context.database, context.worker, context.backfill)


def schedule(api: Api, start: timedelta, end: timedelta | None = None, **body: Any) -> Any:
    return api.post(
        "/v1/config/schedules",
        json={
            "design": DOUBLE,
            "starts_at": (NOW + start).isoformat(),
            "ends_at": (NOW + end).isoformat() if end is not None else None,
            **body,
        },
    )


def current(api: Api) -> tuple[int, int]:
    document = api.get("/v1/config", expect=200).json()
    return document["version"], document["document"]["rules"][0]["award"]["xp"]


def xp_for_a_lesson(api: Api, player: str) -> int:
    api.event(player, "lesson.done")
    return int(api.player(player)["currencies"]["xp"]["balance"])


def test_a_weekend_version_starts_and_ends_on_time_restoring_the_one_before(api: Api) -> None:
    api.publish(DESIGN)
    created = schedule(api, timedelta(hours=1), timedelta(hours=49), comment="double XP")
    assert created.status_code == 201, created.text
    made = created.json()
    assert (made["status"], made["started_version"]) == ("scheduled", None)
    assert switch_scheduled_publishes(job(api), NOW + timedelta(minutes=59)) == []
    assert current(api) == (1, 10)

    started = switch_scheduled_publishes(job(api), NOW + timedelta(hours=1))
    assert started == [(made["id"], "active")]
    assert current(api) == (2, 20)
    assert xp_for_a_lesson(api, "ada") == 20  # events processed from then on use it
    assert switch_scheduled_publishes(job(api), NOW + timedelta(hours=1)) == []  # once

    ended = switch_scheduled_publishes(job(api), NOW + timedelta(hours=49))
    assert ended == [(made["id"], "ended")]
    assert current(api) == (3, 10)
    assert xp_for_a_lesson(api, "bo") == 10
    [row] = api.get("/v1/config/schedules", expect=200).json()["data"]
    assert (row["previous_version"], row["started_version"], row["ended_version"]) == (1, 2, 3)
    assert row["status"] == "ended"
    versions = api.get("/v1/config/versions", expect=200).json()["data"]
    assert versions[0]["comment"] == f"end of scheduled publish {made['id']}: version 1 again"
    assert versions[1]["comment"] == "double XP"
    actions = [e["action"] for e in api.get("/v1/audit", expect=200).json()["data"]]
    assert actions[:3] == ["config.schedule_end", "config.schedule_start", "config.schedule"]


def test_a_version_published_during_the_event_stays_when_it_ends(api: Api) -> None:
    api.publish(DESIGN)
    made = schedule(api, timedelta(hours=1), timedelta(hours=2)).json()
    switch_scheduled_publishes(job(api), NOW + timedelta(hours=1))
    api.publish(DESIGN.replace("xp: 10", "xp: 15"))
    assert switch_scheduled_publishes(job(api), NOW + timedelta(hours=2)) == [
        (made["id"], "superseded")
    ]
    assert current(api) == (3, 15)


def test_a_version_published_before_the_start_is_what_the_end_restores(api: Api) -> None:
    api.publish(DESIGN)
    schedule(api, timedelta(hours=1), timedelta(hours=2))
    api.publish(DESIGN.replace("xp: 10", "xp: 15"))
    switch_scheduled_publishes(job(api), NOW + timedelta(hours=1))
    assert current(api) == (3, 20)
    switch_scheduled_publishes(job(api), NOW + timedelta(hours=2))
    assert current(api) == (4, 15)


def test_a_window_that_passed_while_nothing_ran_is_missed_and_publishes_nothing(
    api: Api,
) -> None:
    api.publish(DESIGN)
    made = schedule(api, timedelta(hours=1), timedelta(hours=2)).json()
    assert switch_scheduled_publishes(job(api), NOW + timedelta(hours=3)) == [
        (made["id"], "missed")
    ]
    assert current(api) == (1, 10)


def test_without_an_end_the_version_stays(api: Api) -> None:
    api.publish(DESIGN)
    schedule(api, timedelta(hours=1))
    switch_scheduled_publishes(job(api), NOW + timedelta(hours=1))
    assert switch_scheduled_publishes(job(api), NOW + timedelta(days=365)) == []
    assert current(api) == (2, 20)


def test_only_a_schedule_not_started_can_be_cancelled(api: Api) -> None:
    api.publish(DESIGN)
    first = schedule(api, timedelta(hours=1)).json()
    second = schedule(api, timedelta(hours=2)).json()
    api.request("DELETE", f"/v1/config/schedules/{first['id']}", expect=204)
    switch_scheduled_publishes(job(api), NOW + timedelta(hours=3))
    assert current(api) == (2, 20)  # the second only
    refused = api.request("DELETE", f"/v1/config/schedules/{second['id']}", expect=409)
    assert refused.json()["code"] == "schedule_started"
    api.request("DELETE", "/v1/config/schedules/999", expect=404)
    statuses = {row["id"]: row["status"] for row in api.get("/v1/config/schedules").json()["data"]}
    assert statuses == {first["id"]: "cancelled", second["id"]: "active"}


def test_bad_times_or_a_bad_design_are_refused_and_nothing_is_scheduled(api: Api) -> None:
    api.publish(DESIGN)
    past = schedule(api, timedelta(hours=-1))
    assert (past.status_code, past.json()["errors"][0]["loc"]) == (422, ["starts_at"])
    backwards = schedule(api, timedelta(hours=2), timedelta(hours=1))
    assert (backwards.status_code, backwards.json()["errors"][0]["loc"]) == (422, ["ends_at"])
    bad = api.post(
        "/v1/config/schedules",
        json={
            "design": {"rules": [{"id": "x"}]},
            "starts_at": (NOW + timedelta(hours=1)).isoformat(),
        },
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_design")
    assert bad.json()["errors"][0]["loc"][0] == "design"
    assert api.get("/v1/config/schedules", expect=200).json()["data"] == []
