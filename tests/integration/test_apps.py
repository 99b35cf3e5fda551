"""Apps (tenants): listing, access settings, and creation from the command line."""

from __future__ import annotations

import pytest

from questline.branding import contrast
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
        "brand_name": None,
        "brand_color": None,
        "brand_logo_url": None,
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


def test_the_brand_is_saved_and_read_back_by_players_and_keys(api: Api) -> None:
    brand = {"brand_name": "SkillQuest", "brand_color": "#0F766E", "brand_logo_url": "/logo.svg"}
    saved = api.request("PUT", "/v1/apps/default/settings", json=brand, expect=200).json()
    assert saved["settings"]["brand_color"] == "#0f766e"
    read = api.get("/v1/branding", expect=200).json()
    assert read["name"] == "SkillQuest"
    assert read["logo_url"] == "/logo.svg"
    assert read["accent"] == {"light": "#0f766e", "dark": read["accent"]["dark"]}
    token = api.post("/v1/players/zoe/token", expect=200).json()["token"]
    as_player = api.get("/v1/branding", headers={"Authorization": f"Bearer {token}"})
    assert as_player.status_code == 200
    assert as_player.json() == read


def test_an_app_without_a_brand_reads_as_questlines_own(api: Api) -> None:
    assert api.get("/v1/branding", expect=200).json() == {
        "name": None,
        "color": None,
        "logo_url": None,
        "accent": None,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("brand_color", "red"),
        ("brand_color", "#12345"),
        ("brand_color", "#12345g"),
        ("brand_logo_url", "http://cdn.example.com/logo.png"),
        ("brand_logo_url", "javascript:alert(1)"),
        ("brand_logo_url", "//cdn.example.com/logo.png"),
        ("brand_logo_url", "https://cdn.example.com/a logo.png"),
        ("brand_logo_url", "https://cdn.example.com/logo.png; script-src *"),
        ("brand_name", ""),
        ("brand_name", "x" * 61),
    ],
)
def test_a_bad_brand_is_a_problem_naming_the_field_and_changes_nothing(
    api: Api, field: str, value: str
) -> None:
    api.request("PUT", "/v1/apps/default/settings", json={"brand_name": "Kept"}, expect=200)
    bad = api.request("PUT", "/v1/apps/default/settings", json={field: value})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    problem = bad.json()
    assert problem["errors"][0]["loc"] == [field]
    assert problem["detail"].startswith(f"{field}: ")
    assert api.get("/v1/apps/default", expect=200).json()["settings"]["brand_name"] == "Kept"


def test_a_brand_colour_too_light_to_read_is_darkened_for_the_light_theme(api: Api) -> None:
    api.request("PUT", "/v1/apps/default/settings", json={"brand_color": "#ffe066"}, expect=200)
    accent = api.get("/v1/branding", expect=200).json()["accent"]
    assert contrast(accent["light"], "#ffffff") >= 4.5
    assert contrast(accent["dark"], "#181d25") >= 4.5
    assert accent["dark"] == "#ffe066"  # light enough on the dark theme as it is
