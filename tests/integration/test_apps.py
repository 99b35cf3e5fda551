"""Apps (tenants): listing, access settings, and creation from the command line."""

from __future__ import annotations

from tests.integration.conftest import Api


def test_a_key_sees_only_its_own_app(api: Api) -> None:
    listed = api.get("/v1/apps", expect=200).json()
    assert [app["id"] for app in listed["data"]] == ["default"]
    assert listed["next_cursor"] is None
    assert api.get("/v1/apps/default", expect=200).json()["name"] == "Default app"


def test_a_key_cannot_create_apps(api: Api) -> None:
    response = api.post("/v1/apps", json={"id": "fitness", "name": "Fitness"})
    assert response.status_code == 403


def test_settings_are_replaced_validated_and_audited(api: Api) -> None:
    body = {"player_event_types": ["workout.logged"], "rate_limit_per_player": "60/minute"}
    updated = api.request("PUT", "/v1/apps/default/settings", json=body, expect=200).json()
    assert updated["settings"]["player_event_types"] == ["workout.logged"]
    bad = api.request("PUT", "/v1/apps/default/settings", json={"colour": "red"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["colour"]
    entry = api.get("/v1/audit", expect=200).json()["data"][0]
    assert entry["action"] == "app.settings"
    assert entry["actor"] == "key:bootstrap"
    assert entry["before"] == {
        "player_event_types": [],
        "rate_limit_per_key": None,
        "rate_limit_per_player": None,
        "cors_origins": [],
        "time_zone": "UTC",
    }
    assert entry["after"]["player_event_types"] == ["workout.logged"]


def test_an_unknown_time_zone_is_refused(api: Api) -> None:
    bad = api.request("PUT", "/v1/apps/default/settings", json={"time_zone": "Mars/Olympus"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["time_zone"]
    assert api.get("/v1/apps/default", expect=200).json()["settings"]["time_zone"] == "UTC"


def test_another_apps_settings_are_not_found(api: Api) -> None:
    assert api.get("/v1/apps/other").status_code == 404
    response = api.request("PUT", "/v1/apps/other/settings", json={})
    assert response.status_code == 404
