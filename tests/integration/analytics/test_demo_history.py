"""`questline demo` gives the analytics weeks of history to chart: players who started
on many days, came back less and less, and earned every day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from questline.analytics.worker_wiring import install_worker
from questline.api.app import create_app
from questline.seeding import load_demo
from questline.storage.database import Database
from tests.integration.conftest import Api, make_settings


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    with TestClient(create_app(make_settings(database_url, embedded_worker="off"))) as client:
        yield Api(client)


def test_the_demo_has_eight_weeks_of_engagement_to_chart(database_url: str, api: Api) -> None:
    database = Database(database_url)
    try:
        loaded = load_demo(database, "skillquest", extend=install_worker)
    finally:
        database.dispose()
    assert loaded["events"] > 300
    today = datetime.now(UTC).date()
    days = {"from": str(today - timedelta(days=55)), "to": str(today)}
    weeks = api.get("/v1/analytics/activity", params={**days, "interval": "week"}, expect=200)
    assert all(week["players"] > 0 for week in weeks.json()["data"])
    new = api.get("/v1/analytics/new-players", params=days, expect=200).json()["data"]
    assert sum(day["players"] for day in new) >= 36
    assert len([day for day in new if day["players"]]) >= 20  # players started on many days
    cohorts = api.get("/v1/analytics/retention", params=days, expect=200).json()["data"]
    shares = [r["share"] for c in cohorts for r in c["retention"] if r["share"] is not None]
    assert any(0 < share < 1 for share in shares)
    awarded = api.get("/v1/analytics/awards", params=days, expect=200).json()["data"]
    assert sum(day["awarded"]["xp"] for day in awarded) > 0
    levels = api.get("/v1/analytics/levels", expect=200).json()["progressions"][0]["levels"]
    assert len([level for level in levels if level["players"]]) >= 2
