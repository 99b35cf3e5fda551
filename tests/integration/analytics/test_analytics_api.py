"""What a host app's dashboard reads at /v1/analytics: the figures of its own players over
a range of its local days, counted once per event, and a 422 naming the parameter when
the range is wrong."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.integration.conftest import Api

DESIGN = {
    "currencies": {"xp": {"levels": {"thresholds": [0, 20, 50]}}, "gems": {}},
    "metrics": {"tasks": {"count": "task.completed"}},
    "rules": [
        {"id": "xp", "on": "task.completed", "award": {"xp": 10}},
        {"id": "gems", "on": "gift", "award": {"gems": 3}},
    ],
    "streaks": {"daily": {"when": "metric.tasks.today >= 1"}},
    "achievements": [
        {"id": "first", "name": "First task", "when": "metric.tasks >= 1"},
        {"id": "five", "name": "Five tasks", "when": "metric.tasks >= 5"},
    ],
    "quests": [
        {
            "id": "two",
            "name": "Two a day",
            "period": "day",
            "objectives": [{"metric": "tasks", "target": 2}],
        }
    ],
}
TODAY = datetime.now(UTC).date()
D0 = TODAY - timedelta(days=10)
EVENTS = [
    ("ada", "task.completed", D0),
    ("ada", "task.completed", D0 + timedelta(days=1)),
    ("ada", "task.completed", D0 + timedelta(days=7)),
    ("ada", "task.completed", D0 + timedelta(days=7)),
    ("ada", "gift", D0 + timedelta(days=7)),
    ("bob", "task.completed", D0),
    ("bob", "task.completed", D0),
    ("bob", "task.completed", D0 + timedelta(days=2)),
    ("cy", "task.completed", D0 + timedelta(days=1)),
    ("cy", "task.completed", TODAY),
]


def _at(day: date, hour: int = 12) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat()


def _send(api: Api, events: list[tuple[str, str, date]]) -> None:
    batch = [
        {"id": f"{player}-{day}-{n}", "type": type_, "player": player, "time": _at(day)}
        for n, (player, type_, day) in enumerate(events)
    ]
    api.post("/v1/events/batch", params={"wait": "true"}, json={"events": batch}, expect=202)


@pytest.fixture
def history(api: Api) -> Api:
    api.request("PUT", "/v1/config", json=DESIGN, expect=201)
    _send(api, EVENTS)
    return api


def _range(**more: Any) -> dict[str, Any]:
    return {"from": D0.isoformat(), "to": TODAY.isoformat(), **more}


def test_activity_counts_distinct_players_and_events_per_day(history: Api) -> None:
    found = history.get("/v1/analytics/activity", params=_range(), expect=200).json()
    assert found["range"] == {"from": str(D0), "to": str(TODAY), "time_zone": "UTC"}
    by_day = {row["start"]: (row["players"], row["events"]) for row in found["data"]}
    assert len(by_day) == 11
    assert by_day[str(D0)] == (2, 3)
    assert by_day[str(D0 + timedelta(days=1))] == (2, 2)
    assert by_day[str(D0 + timedelta(days=7))] == (1, 3)
    assert by_day[str(D0 + timedelta(days=3))] == (0, 0)
    assert by_day[str(TODAY)] == (1, 1)


def test_a_week_or_a_month_counts_each_player_once(history: Api) -> None:
    for interval in ("week", "month"):
        found = history.get("/v1/analytics/activity", params=_range(interval=interval), expect=200)
        expected: dict[str, set[str]] = {}
        for player, _, day in EVENTS:
            start = (
                day - timedelta(days=day.weekday()) if interval == "week" else day.replace(day=1)
            )
            expected.setdefault(str(start), set()).add(player)
        data = found.json()["data"]
        assert data[0]["start"] <= str(D0)  # the first period is whole, starting before the range
        assert {row["start"]: row["players"] for row in data if row["players"]} == {
            start: len(players) for start, players in expected.items()
        }
        assert sum(row["events"] for row in data) == len(EVENTS)


def test_a_key_that_reads_players_may_read_analytics_and_one_that_only_writes_may_not(
    history: Api,
) -> None:
    for scope, status in (("players:read", 200), ("events:write", 403)):
        key = history.post("/v1/keys", json={"name": scope, "scopes": [scope]}, expect=201).json()[
            "secret"
        ]
        found = history.client.get(
            "/v1/analytics/retention", params=_range(), headers={"Authorization": f"Bearer {key}"}
        )
        assert found.status_code == status, found.text


def test_awards_are_summed_per_day_and_currency(history: Api) -> None:
    found = history.get("/v1/analytics/awards", params=_range(), expect=200).json()
    by_day = {row["day"]: row["awarded"] for row in found["data"]}
    assert by_day[str(D0)] == {"gems": 0, "xp": 30}
    assert by_day[str(D0 + timedelta(days=7))] == {"gems": 3, "xp": 20}


def test_new_players_are_counted_on_their_first_day(history: Api) -> None:
    found = history.get("/v1/analytics/new-players", params=_range(), expect=200).json()
    by_day = {row["day"]: row["players"] for row in found["data"]}
    assert by_day[str(D0)] == 2
    assert by_day[str(D0 + timedelta(days=1))] == 1
    assert sum(by_day.values()) == 3


def test_retention_counts_players_active_on_day_n_after_their_first(history: Api) -> None:
    cohorts = history.get("/v1/analytics/retention", params=_range(), expect=200).json()["data"]
    assert sum(c["new_players"] for c in cohorts) == 3

    def total(n: int, field: str) -> int:
        return sum(r[field] for c in cohorts for r in c["retention"] if r["day"] == n)

    # Day 1: ada came back (bob on day 2 and cy ten days later do not count).
    assert (total(1, "eligible"), total(1, "retained")) == (3, 1)
    # Day 7: ada again; cy's day 7 has passed too, without her.
    assert (total(7, "eligible"), total(7, "retained")) == (3, 1)
    # Day 30 has not come for anyone: nothing to say yet.
    assert total(30, "eligible") == 0
    assert all(r["share"] is None for c in cohorts for r in c["retention"] if r["day"] == 30)


def test_distributions_of_levels_streaks_achievements_and_quests(history: Api) -> None:
    levels = history.get("/v1/analytics/levels", expect=200).json()
    assert levels["players"] == 3
    # ada 40 XP (level 2), bob 30 (level 2), cy 20 (level 2 starts at 20).
    assert levels["progressions"] == [
        {"currency": "xp", "levels": [{"level": 1, "players": 0}, {"level": 2, "players": 3}]}
    ]
    streaks = history.get("/v1/analytics/streaks", expect=200).json()["streaks"][0]
    by_length = {b["length"]: b["players"] for b in streaks["buckets"]}
    assert by_length["1"] == 1  # cy, today; the others' streaks have broken
    assert by_length["0"] == 2
    unlocks = history.get("/v1/analytics/achievements", expect=200).json()["achievements"]
    assert {a["achievement"]: (a["players"], a["share"]) for a in unlocks} == {
        "first": (3, 1.0),
        "five": (0, 0.0),
    }
    quest = history.get("/v1/analytics/quests", expect=200).json()["quests"][0]
    steps = [(s["step"], s["players"]) for s in quest["steps"]]
    # Two tasks in one day: bob on the first day, ada on day 7; cy never.
    assert steps == [("started", 3), ("objective", 2), ("completed", 2)]


def test_the_same_event_sent_again_is_counted_once(history: Api) -> None:
    _send(history, [("ada", "task.completed", D0)])  # the key of ada's first event
    found = history.get("/v1/analytics/activity", params=_range(), expect=200).json()
    assert sum(row["events"] for row in found["data"]) == 10


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"from": "2026-03-10", "to": "2026-03-01"}, ["query", "to"]),
        ({"from": "2025-01-01", "to": "2026-01-02"}, ["query", "to"]),
        ({"from": "2026-02-30", "to": "2026-03-01"}, ["query", "from"]),
        ({"from": "2026-03-01", "to": "soon"}, ["query", "to"]),
        ({"from": "2026-03-01", "to": "2026-03-02", "interval": "year"}, ["query", "interval"]),
    ],
)
def test_a_bad_range_is_a_problem_naming_the_parameter(
    api: Api, params: dict[str, str], where: list[str]
) -> None:
    found = api.get("/v1/analytics/activity", params=params, expect=422)
    assert found.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in found.json()["errors"]] == [where]


def test_a_range_of_366_days_is_allowed(api: Api) -> None:
    found = api.get(
        "/v1/analytics/new-players", params={"from": "2024-01-01", "to": "2024-12-31"}, expect=200
    )
    assert len(found.json()["data"]) == 366


def test_days_are_the_apps_own_in_its_time_zone(api: Api) -> None:
    api.request("PUT", "/v1/apps/default/settings", json={"time_zone": "Asia/Tokyo"}, expect=200)
    api.request("PUT", "/v1/config", json=DESIGN, expect=201)
    # 20:00 UTC is the next morning in Tokyo.
    _send(api, [("ada", "task.completed", D0)])
    found = api.get("/v1/analytics/new-players", params=_range(), expect=200).json()
    assert found["range"]["time_zone"] == "Asia/Tokyo"
    by_day = {row["day"]: row["players"] for row in found["data"]}
    assert by_day[str(D0)] == 1  # noon UTC is 21:00 in Tokyo, the same day
    late = {"id": "late", "type": "task.completed", "player": "bob", "time": _at(D0, 20)}
    api.post("/v1/events", params={"wait": "true"}, json=late, expect=202)
    by_day = {
        row["day"]: row["players"]
        for row in api.get("/v1/analytics/new-players", params=_range(), expect=200).json()["data"]
    }
    assert by_day[str(D0 + timedelta(days=1))] == 1
