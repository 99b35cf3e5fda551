"""Streak restore, quest joins, backfill, catalogs and the score cache over HTTP."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from questline.processing.backfill import backfill_achievements
from questline.processing.batch import Processed
from questline.processing.ingest import Ingested, NewEvent, ingest
from questline.processing.streak_changes import lock_streak
from questline.storage.apps import DEFAULT_APP, create_key, get_app
from questline.storage.models import Player
from tests.integration.conftest import Api, default_app_id

GAME = """
currencies:
  xp: {}
  gems: {}
metrics:
  lessons: {count: lesson.done}
rules:
  - {id: lesson-xp, on: lesson.done, award: {xp: 10}}
streaks:
  daily:
    name: {en: Daily lessons, de: Tägliche Lektionen}
    when: "metric.lessons.today >= 1"
achievements:
  - id: starter
    name: {en: Starter, de: Anfänger}
    progress: metric.lessons
    target: TARGET
    rewards: {currencies: {gems: 7}}
  - {id: ghost, secret: true, when: "metric.lessons >= 100"}
quests:
  - id: bootcamp
    name: Bootcamp
    period: window
    join: true
    duration_days: 3
    objectives: [{metric: lessons, target: 2}]
    rewards: {currencies: {gems: 4}}
  - id: hidden-quest
    secret: true
    objectives: [{metric: lessons, target: 50}]
"""


def _publish(api: Api, target: int = 5, text: str = GAME) -> None:
    api.publish(text.replace("TARGET", str(target)))


def _lesson(api: Api, player: str, at: datetime | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "lesson.done", "player": player}
    if at is not None:
        body["time"] = at.isoformat()
    return dict(api.post("/v1/events", params={"wait": "true"}, json=body, expect=202).json())


def _append_waiting_briefly(context: Any, app_id: int, player: str) -> Ingested:
    """Append a lesson for `player` in a transaction of its own that waits at most 2 s for
    a lock (a lock it cannot take fails the append instead of hanging the test)."""
    with context.database.transaction() as session:
        session.execute(text("SET LOCAL lock_timeout = '2s'"))
        event = NewEvent(type="lesson.done", player=player)
        [result] = ingest(session, app_id, [event], datetime.now(UTC))
        return result


def _key(client: TestClient, scopes: list[str]) -> dict[str, str]:
    context = client.app.state.questline  # type: ignore[attr-defined]
    with context.database.transaction() as session:
        app = get_app(session, DEFAULT_APP)
        assert app is not None
        _, secret = create_key(session, app, name="reader", scopes=scopes)
    return {"Authorization": f"Bearer {secret}"}


def test_an_admin_restores_a_broken_streak_once_and_others_may_not(
    api: Api, client: TestClient
) -> None:
    _publish(api)
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    for back in (5, 4, 3, 1, 0):  # three days, a missed day, two days
        _lesson(api, "ann", today - timedelta(days=back))
    [before] = api.get("/v1/players/ann/streaks", expect=200).json()["data"]
    assert (before["current"], before["longest"]) == (2, 3)

    reader = _key(client, ["players:read", "events:write"])
    refused = api.post("/v1/players/ann/streaks/daily/restore", headers=reader, expect=403)
    assert refused.json()["code"] == "forbidden"

    restored = api.post(
        "/v1/players/ann/streaks/daily/restore", json={"reason": "app outage"}, expect=200
    ).json()
    assert (restored["current"], restored["longest"]) == (5, 5)
    [entry] = api.get("/v1/audit", params={"action": "streak.restore"}, expect=200).json()["data"]
    assert entry["after"] == {"current": 5, "reason": "app outage"}
    assert restored["started_on"] == (today - timedelta(days=5)).date().isoformat()
    assert restored["name"] == "Daily lessons"
    again = api.post("/v1/players/ann/streaks/daily/restore", expect=409)
    assert "no break to restore" in again.json()["detail"]
    [after] = api.get("/v1/players/ann/streaks", expect=200).json()["data"]
    assert after["current"] == 5
    api.post("/v1/players/ann/streaks/weekly/restore", expect=404)


def test_a_joined_quest_runs_from_the_join_and_pays_once(api: Api) -> None:
    _publish(api)
    _lesson(api, "bo")  # before joining: does not count
    joined = api.post("/v1/players/bo/quests/bootcamp/join", expect=201).json()
    assert joined["quest"] == "bootcamp"
    api.post("/v1/players/bo/quests/bootcamp/join", expect=409)
    not_joinable = api.post("/v1/players/bo/quests/hidden-quest/join", expect=422).json()
    assert not_joinable["errors"] == [
        {"loc": ["path", "quest_id"], "message": "this quest is not joined"}
    ]
    api.post("/v1/players/bo/quests/nope/join", expect=404)

    quests = {q["id"]: q for q in api.get("/v1/players/bo/quests", expect=200).json()["data"]}
    assert set(quests) == {"bootcamp"}  # the secret quest shows once completed
    assert quests["bootcamp"]["objectives"][0]["progress"] == 0
    _lesson(api, "bo")
    result = _lesson(api, "bo")
    done = [e for e in result["effects"] if e["kind"] == "quest_completed"]
    assert [(d["quest"], d["instance"]) for d in done] == [("bootcamp", "all")]
    assert api.player("bo")["currencies"]["gems"]["balance"] == 4
    assert not [e for e in _lesson(api, "bo")["effects"] if e["kind"] == "quest_completed"]
    quest = api.get("/v1/players/bo/quests", expect=200).json()["data"][0]
    assert (quest["completed"], quest["active"], quest["objectives"][0]["percent"]) == (
        True,
        False,
        100.0,
    )


def test_backfill_awards_a_lowered_achievement_and_never_takes_one_away(api: Api) -> None:
    _publish(api, target=5)
    for _ in range(3):
        _lesson(api, "cy")
    for _ in range(5):
        _lesson(api, "di")
    assert _unlocked(api, "cy") == set()
    assert _unlocked(api, "di") == {"starter"}

    _publish(api, target=3)
    report = api.post("/v1/achievements/backfill", expect=200).json()
    assert report == {"config_version": 2, "players": 2, "awarded": 1}
    assert _unlocked(api, "cy") == {"starter"}
    assert api.player("cy")["currencies"]["gems"]["balance"] == 7
    ledger = api.get("/v1/players/cy/ledger", params={"currency": "gems"}, expect=200).json()
    [entry] = ledger["data"]
    assert (entry["cause"], entry["cause_id"], entry["event_id"]) == (
        "achievement",
        "starter",
        None,
    )
    # Running it again changes nothing.
    again = api.post("/v1/achievements/backfill", expect=200).json()
    assert again == {"config_version": 2, "players": 2, "awarded": 0}

    # A version without the achievement keeps what was awarded, marked retired.
    _publish(api, text=GAME.replace("  - id: starter", "  - id: renamed"), target=50)
    held = {a["id"]: a for a in api.get("/v1/players/di/achievements", expect=200).json()["data"]}
    assert held["starter"]["retired"] is True
    assert held["starter"]["unlocked"] is True
    assert held["renamed"]["unlocked"] is False


def test_a_backfill_reward_moves_the_boards_like_an_event_would(api: Api) -> None:
    game = GAME + "leaderboards:\n  gems: {rank_by: currency.gems}\n"
    _publish(api, target=5, text=game)
    for _ in range(3):
        _lesson(api, "cy")
    for _ in range(5):
        _lesson(api, "di")

    def board() -> list[tuple[str, int, int]]:
        rows = api.get("/v1/leaderboards/gems", expect=200).json()["data"]
        return [(row["player"], row["score"], row["rank"]) for row in rows]

    assert board() == [("di", 7, 1)]
    _publish(api, target=3, text=game)
    assert api.post("/v1/achievements/backfill", expect=200).json()["awarded"] == 1
    # cy reached 7 gems after di did: tied, and listed second.
    assert board() == [("di", 7, 1), ("cy", 7, 1)]
    ranks = api.get("/v1/players/cy/ranks", expect=200).json()["data"]
    assert [(r["board"], r["score"], r["position"]) for r in ranks] == [("gems", 7, 2)]
    # Again: nothing new is awarded, and nothing counts twice.
    assert api.post("/v1/achievements/backfill", expect=200).json()["awarded"] == 0
    assert board() == [("di", 7, 1), ("cy", 7, 1)]


# PostgreSQL only: this is about row locks. On SQLite a writer holds the whole database,
# so nothing can run inside another writer's transaction to be interleaved with.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_event_for_a_player_is_appended_while_the_backfill_settles_that_player(
    api: Api, client: TestClient
) -> None:
    # The backfill locks the player it settles as a worker does: that keeps the workers
    # out, but an append only needs the player row to stay (its foreign key check).
    _publish(api, target=5)
    for _ in range(3):
        _lesson(api, "cy")
    _publish(api, target=3)
    context = client.app.state.questline  # type: ignore[attr-defined]
    app_id = default_app_id(context)
    appended: list[Ingested] = []

    def append_meanwhile(_session: Session, _results: Sequence[Processed]) -> None:
        # Called inside the backfill's transaction, while cy's row is locked.
        appended.append(_append_waiting_briefly(context, app_id, "cy"))

    report = backfill_achievements(
        context.database, context.worker.designs, app_id, append_meanwhile
    )
    assert report.awarded == 1
    [result] = appended
    assert result.error is None
    assert result.seq is not None
    assert _unlocked(api, "cy") == {"starter"}


# PostgreSQL only: this is about row locks. On SQLite a writer holds the whole database,
# so nothing can run inside another writer's transaction to be interleaved with.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_event_for_a_player_is_appended_while_one_of_its_streaks_is_changed(
    api: Api, client: TestClient
) -> None:
    _publish(api)
    _lesson(api, "cy")
    context = client.app.state.questline  # type: ignore[attr-defined]
    with context.database.transaction() as change:  # a restore or a freeze grant
        cy = change.scalars(select(Player).where(Player.external_id == "cy")).one()
        assert lock_streak(change, cy.id, "daily") is not None
        result = _append_waiting_briefly(context, cy.app_id, "cy")
    assert result.error is None
    assert result.seq is not None


# PostgreSQL only: this is about row locks. On SQLite a writer holds the whole database,
# so nothing can run inside another writer's transaction to be interleaved with.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_backfill_settles_other_players_while_a_worker_holds_one(
    api: Api, client: TestClient
) -> None:
    _publish(api, target=5)
    for player in ("cy", "di"):  # cy first: the lower player id
        for _ in range(3):
            _lesson(api, player)
    _publish(api, target=3)
    context = client.app.state.questline  # type: ignore[attr-defined]
    app_id = default_app_id(context)
    with ThreadPoolExecutor(1) as pool, context.database.transaction() as worker:
        # A worker's batch holds cy, as the backfill starts.
        worker.execute(
            select(Player.id)
            .where(Player.app_id == app_id, Player.external_id == "cy")
            .with_for_update(key_share=True)
        )
        running = pool.submit(
            backfill_achievements, context.database, context.worker.designs, app_id
        )
        deadline = time.monotonic() + 10
        while _unlocked(api, "di") != {"starter"}:
            assert time.monotonic() < deadline, "the backfill waited for cy before settling di"
            time.sleep(0.05)
        assert _unlocked(api, "cy") == set()
        worker.rollback()  # the batch ends: cy is settled too
        report = running.result(timeout=30)
    assert report.awarded == 2
    assert _unlocked(api, "cy") == {"starter"}


def _unlocked(api: Api, player: str) -> set[str]:
    body = api.get(f"/v1/players/{player}/achievements", expect=200).json()
    return {a["id"] for a in body["data"] if a["unlocked"]}


def test_catalogs_hide_secrets_and_speak_the_asked_language(api: Api) -> None:
    _publish(api)
    catalog = api.get("/v1/achievements", params={"locale": "de-AT"}, expect=200).json()
    assert [(a["id"], a["name"]) for a in catalog["data"]] == [("starter", "Anfänger")]
    assert catalog["next_cursor"] is None
    quests = api.get("/v1/quests", expect=200).json()["data"]
    assert [q["id"] for q in quests] == ["bootcamp"]
    # An objective without a name is named by its target and metric.
    assert quests[0]["objectives"] == [{"metric": "lessons", "name": "2 lessons", "target": 2}]
    _lesson(api, "eve")
    mine = api.get("/v1/players/eve/achievements", expect=200).json()["data"]
    assert [(a["id"], a["name"]) for a in mine] == [("starter", "Starter")]


def test_reads_of_an_unknown_player_are_404_problems(api: Api) -> None:
    _publish(api)
    for path in ("achievements", "streaks", "quests"):
        response = api.get(f"/v1/players/nobody/{path}", expect=404)
        assert response.json()["detail"] == "no player with id 'nobody'"


SCORE = """
metrics:
  done: {count: done}
scores:
  level: {formula: "metric.done * 2", max: 10, tiers: [{name: top, min: 10}, {name: base}]}
"""


def test_a_score_read_is_cached_and_dropped_when_an_input_changes(
    api: Api, client: TestClient
) -> None:
    api.publish(SCORE)
    api.post("/v1/events", params={"wait": "true"}, json={"type": "done", "player": "fay"})
    first = api.get("/v1/players/fay/scores/level", expect=200).json()
    second = api.get("/v1/players/fay/scores/level", expect=200).json()
    assert first["value"] == 2
    assert second["computed_at"] == first["computed_at"]  # served from the cache
    api.post("/v1/events", params={"wait": "true"}, json={"type": "done", "player": "fay"})
    third = api.get("/v1/players/fay/scores/level", expect=200).json()
    assert (third["value"], third["tier"]) == (4, "base")
    assert third["computed_at"] != first["computed_at"]
    cache = client.app.state.questline.scores  # type: ignore[attr-defined]
    assert type(cache).__name__ == "InProcessScoreCache"


NAMED_SCORES = """
metrics:
  done: {count: done}
  missed: {count: missed}
scores:
  level: {name: {en: Level, he: רמה}, formula: "metric.done * 2", max: 10}
  trust: {name: Trust, formula: "10 - metric.missed", tiers: [{name: good, min: 8}, {name: low}]}
"""


def test_a_player_s_scores_are_listed_together_named_in_the_reader_s_language(api: Api) -> None:
    api.publish(NAMED_SCORES)
    api.post(
        "/v1/events",
        params={"wait": "true"},
        json={"type": "done", "player": "gil", "profile": {"locale": "he-IL"}},
    )
    listed = api.get("/v1/players/gil/scores", expect=200).json()["data"]
    assert [(s["key"], s["name"], s["value"], s["tier"]) for s in listed] == [
        ("level", "רמה", 2, None),
        ("trust", "Trust", 10, "good"),
    ]
    # ?locale= first, else the player's own locale, else English.
    english = api.get("/v1/players/gil/scores", params={"locale": "en"}, expect=200).json()
    assert [s["name"] for s in english["data"]] == ["Level", "Trust"]
    one = api.get("/v1/players/gil/scores/level", params={"locale": "he"}, expect=200).json()
    assert one["name"] == "רמה"
    # A player who has sent nothing scores the formulas on zero inputs.
    fresh = api.get("/v1/players/new/scores", expect=200).json()["data"]
    assert [(s["key"], s["value"]) for s in fresh] == [("level", 0), ("trust", 10)]


# SQLite only: the design is refused before anything is stored.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_design_with_a_bad_achievement_is_a_422_with_its_location(api: Api) -> None:
    text = GAME.replace("TARGET", "5").replace("progress: metric.lessons", "progress: metric.nope")
    response = api.request(
        "PUT", "/v1/config", content=text.encode(), headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["loc"] == ["achievements", 0, "progress"]
    assert "unknown name 'metric.nope'" in error["message"]


def test_the_host_app_grants_freezes_up_to_the_maximum_and_a_missed_day_spends_one(
    api: Api,
) -> None:
    _publish(
        api,
        text=GAME.replace(
            '    when: "metric.lessons.today >= 1"\n',
            '    when: "metric.lessons.today >= 1"\n    freezes: {max: 2}\n',
        ),
    )
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    _lesson(api, "gus", today - timedelta(days=3))
    granted = api.post(
        "/v1/players/gus/streaks/daily/freezes", json={"count": 5, "reason": "shop"}, expect=200
    ).json()
    assert (granted["freezes"], granted["freezes_max"]) == (2, 2)
    bad = api.post("/v1/players/gus/streaks/daily/freezes", json={"count": 0}, expect=422)
    assert bad.json()["errors"][0]["loc"] == ["count"]
    _lesson(api, "gus", today - timedelta(days=1))  # the day before was missed
    [streak] = api.get("/v1/players/gus/streaks", expect=200).json()["data"]
    assert (streak["current"], streak["freezes"]) == (2, 1)
    assert [u["covered"] for u in streak["freezes_used"]] == [
        (today - timedelta(days=2)).date().isoformat()
    ]
    assert (streak["today_done"], streak["at_risk"]) == (False, False)  # a freeze covers it


def test_freezes_for_a_streak_without_them_are_refused(api: Api) -> None:
    _publish(api)
    _lesson(api, "hal")
    refused = api.post("/v1/players/hal/streaks/daily/freezes", json={"count": 1}, expect=422)
    assert refused.json()["errors"] == [
        {"loc": ["path", "key"], "message": "this streak has no freezes"}
    ]


def test_a_trip_from_tokyo_to_los_angeles_keeps_the_stored_streak_fair(api: Api) -> None:
    _publish(api)
    from zoneinfo import ZoneInfo

    def lesson_in(zone: str, *when: int) -> list[dict[str, Any]]:
        at = datetime(*when, tzinfo=ZoneInfo(zone))  # type: ignore[misc]
        body = {
            "type": "lesson.done",
            "player": "ivy",
            "time": at.isoformat(),
            "profile": {"time_zone": zone},
        }
        response = api.post("/v1/events", params={"wait": "true"}, json=body, expect=202)
        return [e for e in response.json()["effects"] if e["kind"].startswith("streak_")]

    lesson_in("Asia/Tokyo", 2026, 3, 8, 20)
    lesson_in("Asia/Tokyo", 2026, 3, 9, 20)  # Monday evening in Tokyo
    # Monday again after the flight: counted already, nothing changes.
    assert lesson_in("America/Los_Angeles", 2026, 3, 9, 16) == []
    [extended] = lesson_in("America/Los_Angeles", 2026, 3, 10, 9)
    assert (extended["kind"], extended["current"], extended["started_on"]) == (
        "streak_extended",
        3,
        "2026-03-08",
    )
    [streak] = api.get("/v1/players/ivy/streaks", expect=200).json()["data"]
    # Read months later: it has broken since, but the record stands.
    assert (streak["current"], streak["longest"], streak["last_period"]) == (0, 3, "2026-03-10")
