"""Streak reminders: the periodic job tells players whose streak ends tonight, once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from questline.notifications.jobs import prune_notifications, send_reminders
from questline.processing.periodic import JobContext, jobs
from tests.integration.conftest import Api

DESIGN = """
metrics:
  lessons: {count: lesson.done}
streaks:
  daily: {name: {en: Daily lesson, fr: Leçon du jour}, when: "metric.lessons.today >= 1"}
"""
ZONE = "Pacific/Auckland"


def job_context(client: TestClient) -> JobContext:
    context: Any = client.app.state.questline  # type: ignore[attr-defined]
    return JobContext(context.settings, context.database, context.worker)


def lesson(api: Api, player: str, at: datetime, locale: str = "en") -> None:
    api.post(
        "/v1/events",
        params={"wait": "true"},
        json={
            "type": "lesson.done",
            "player": player,
            "time": at.isoformat(),
            "profile": {"time_zone": ZONE, "locale": locale},
        },
        expect=202,
    )


def reminders(api: Api, player: str) -> list[dict[str, Any]]:
    found = api.get(f"/v1/players/{player}/notifications", expect=200).json()["data"]
    return [n for n in found if n["kind"] == "streak_at_risk"]


def test_players_whose_streak_ends_tonight_are_reminded_once_from_the_hour(
    api: Api, client: TestClient
) -> None:
    api.publish(DESIGN)
    # Tonight at 21:00 in Auckland is when the job runs; yesterday the players practised.
    tonight = datetime.now(ZoneInfo(ZONE)).replace(hour=21, minute=0, second=0, microsecond=0)
    tonight -= timedelta(days=1)  # surely in the past, so events can be dated before it
    yesterday = tonight - timedelta(days=1)
    lesson(api, "ana", yesterday)
    lesson(api, "léa", yesterday, locale="fr")
    lesson(api, "bob", yesterday)
    lesson(api, "bob", tonight - timedelta(hours=2))  # bob has practised today already
    context = job_context(client)

    assert send_reminders(context, now=tonight.replace(hour=19)) == 0  # before the hour
    assert send_reminders(context, now=tonight) == 2
    assert send_reminders(context, now=tonight + timedelta(hours=1)) == 0  # once a day

    (ana,) = reminders(api, "ana")
    assert ana["title"] == "Your Daily lesson streak ends at 00:00"
    assert ana["push"] is True
    assert ana["event_id"] is None
    assert ana["data"]["streak"] == "daily"
    assert reminders(api, "léa")[0]["title"] == "Votre série Leçon du jour se termine à 00:00"
    assert reminders(api, "bob") == []


def test_the_jobs_are_on_the_schedulers_list() -> None:
    assert {"notification-reminders", "notification-retention"} <= set(jobs())


def test_old_notifications_are_pruned(api: Api, client: TestClient) -> None:
    api.publish("currencies: {xp: {}}\nrules: [{id: r, on: did, award: {xp: '1'}}]\n")
    api.event("zoe", "did")
    context = job_context(client)
    now = datetime.now(ZoneInfo("UTC"))
    assert prune_notifications(context, now=now) == 0
    assert prune_notifications(context, now=now + timedelta(days=91)) == 1
    assert api.get("/v1/players/zoe/notifications", expect=200).json()["data"] == []
