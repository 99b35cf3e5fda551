"""The console's player actions and administration do what the API's routes do: the same
answer, the same checks, the same audit entries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from questline.api.access import CSRF_FIELD
from questline.auth.policy import Role
from questline.settings import Settings
from tests.integration.conftest import Api
from tests.integration.test_mechanics_api import _lesson, _publish
from tests.integration.web.console_client import HTML, Browser
from tests.support.accounts import add_user

OWNER = "owner@example.com"


@pytest.fixture
def owner(settings: Settings, api: Api, client: TestClient) -> Browser:
    api.publish_blueprint("language")
    add_user(settings.database_url, OWNER, Role.OWNER)
    return Browser(client, OWNER)


def audit(api: Api, **filters: str) -> list[dict[str, object]]:
    return list(api.get("/v1/audit", params=filters, expect=200).json()["data"])


def test_the_console_export_is_the_apis_export(owner: Browser, api: Api) -> None:
    api.event("zoe", "lesson.completed", xp=20)
    download = owner.get("/console/players/zoe/export")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''player-zoe.json"
    assert download.json() == api.get("/v1/players/zoe/export", expect=200).json()


def test_erasing_a_player_needs_their_id_typed_and_is_audited_as_the_api_does(
    owner: Browser, api: Api
) -> None:
    api.event("zoe", "lesson.completed", xp=20)
    unconfirmed = owner.post("/console/players/zoe/erase", {"confirm": "zo"})
    assert unconfirmed.status_code == 422
    assert "type the player&#39;s id, zoe, to confirm the erasure" in unconfirmed.text
    assert audit(api, action="player.erase") == []

    unexplained = owner.post("/console/players/zoe/erase", {"confirm": "zoe"})
    assert unexplained.status_code == 422
    assert "say why" in unexplained.text
    assert audit(api, action="player.erase") == []

    erased = owner.post(
        "/console/players/zoe/erase", {"confirm": "zoe", "reason": "asked by email, ticket 88"}
    )
    assert erased.status_code == 303
    [entry] = audit(api, action="player.erase")
    assert entry["actor"] == f"user:{OWNER}"
    assert entry["after"] == {"reason": "asked by email, ticket 88"}
    assert erased.headers["location"] == f"/console/players?erased={entry['target_id']}"
    assert api.get("/v1/players/zoe/export").status_code == 404


def _grant_key(owner: Browser, player: str) -> str:
    found = re.search(
        r'name="id" value="(console-[0-9a-f]+)"', owner.get(f"/console/players/{player}").text
    )
    assert found is not None
    return found[1]


def test_a_grant_form_sent_twice_grants_once(owner: Browser, api: Api) -> None:
    api.event("zoe", "lesson.completed", xp=20)
    form = {"id": _grant_key(owner, "zoe"), "currency": "gems", "amount": "50", "reason": "outage"}
    first = owner.post("/console/players/zoe/grants", form)
    again = owner.post("/console/players/zoe/grants", form)  # a double click, a resent form
    assert first.status_code == again.status_code == 303
    assert "granted=%2B50%20gems" in first.headers["location"]
    assert "Granted +50 gems." in owner.get(first.headers["location"]).text
    said = owner.get(again.headers["location"]).text
    assert "This form was sent before: nothing more was granted." in said
    ledger = api.get("/v1/players/zoe/ledger", expect=200).json()["data"]
    grants = [(e["amount"], e["currency"]) for e in ledger if e["cause"] == "manual"]
    assert grants == [(50, "gems")]
    assert len(audit(api, action="player.grant")) == 1
    # The page shown after it carries a new key: another grant of the same is made.
    second = {**form, "id": _grant_key(owner, "zoe")}
    assert second["id"] != form["id"]
    assert owner.post("/console/players/zoe/grants", second).status_code == 303
    assert len(audit(api, action="player.grant")) == 2


def test_a_grant_key_that_is_not_an_identifier_is_refused(owner: Browser, api: Api) -> None:
    api.event("zoe", "lesson.completed", xp=20)
    form = {"id": "two words", "currency": "gems", "amount": "5", "reason": "outage"}
    refused = owner.post("/console/players/zoe/grants", form)
    assert refused.status_code == 422
    assert audit(api, action="player.grant") == []


def test_freezes_given_in_the_console_are_capped_and_audited_with_their_reason(
    owner: Browser, api: Api
) -> None:
    api.event("zoe", "lesson.completed", xp=20)
    given = owner.post(
        "/console/players/zoe/streaks/practice/freezes", {"count": "5", "reason": "outage"}
    )
    assert given.status_code == 303
    [entry] = audit(api, action="streak.freezes.grant")
    assert entry["target_id"] == "zoe/practice"
    assert entry["after"] == {"freezes": 2, "reason": "outage"}  # the design's maximum
    page = owner.get("/console/players/zoe")
    assert "2 of 2 freeze(s)" in page.text
    assert "outage" in page.text
    refused = owner.post("/console/players/zoe/streaks/practice/freezes", {"count": "x"})
    assert refused.status_code == 422


def test_a_key_secret_is_shown_once_and_a_revoke_is_audited(owner: Browser, api: Api) -> None:
    created = owner.post("/console/keys", {"name": "cron", "scopes": "players:read"})
    assert created.status_code == 201
    [entry] = audit(api, action="key.create")
    secret_prefix = entry["after"]["prefix"]  # type: ignore[index]
    assert f'value="{secret_prefix}' in created.text
    listing = owner.get("/console/keys")
    assert f'value="{secret_prefix}' not in listing.text
    revoked = owner.post(f"/console/keys/{entry['target_id']}/revoke")
    assert revoked.status_code == 303
    assert [e["actor"] for e in audit(api, action="key.revoke")] == [f"user:{OWNER}"]
    empty = owner.post("/console/keys", {"name": "no scopes"})
    assert empty.status_code == 422
    assert len(audit(api, action="key.create")) == 1


def test_the_audit_log_filters_by_actor_target_and_date(owner: Browser, api: Api) -> None:
    owner.post(
        "/console/users", {"email": "new@example.com", "role": "viewer", "password": "x" * 12}
    )
    today = datetime.now(UTC).date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    page = owner.get(f"/console/audit?actor=user:{OWNER}&target=user:new@example.com")
    assert page.text.count("<code>user.role</code>") == 1
    assert "<code>config.publish</code>" not in page.text
    later = owner.get(f"/console/audit?since={tomorrow}")
    assert "No entry matches." in later.text
    assert owner.get("/console/audit?since=yesterday").status_code == 422
    by_api = audit(api, actor=f"user:{OWNER}", since=f"{today.isoformat()}T00:00:00Z")
    assert [e["action"] for e in by_api] == ["user.role"]


def upload(browser: Browser, name: str, content: str) -> Response:
    return browser.request(
        "POST",
        "/console/items/import",
        data={CSRF_FIELD: browser.csrf},
        files={"file": (name, content.encode("utf-8"))},
        headers=HTML,
    )


def items(api: Api) -> list[dict[str, object]]:
    found = api.get("/v1/items", params={"limit": 500}, expect=200).json()["data"]
    return [
        {k: item[k] for k in ("key", "kind", "names", "attributes", "active")} for item in found
    ]


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_the_catalog_exported_and_imported_into_another_app_is_the_same(
    kind: str, owner: Browser, api: Api, settings: Settings, client: TestClient
) -> None:
    api.item("squat", "exercise", base_points=10, label="10")
    api.request("PATCH", "/v1/items/squat", json={"names": {"en": "Squat", "he": "סקוואט"}})
    api.item("plank", "exercise", seconds=1.5, timed=True)
    api.request("PATCH", "/v1/items/plank", json={"active": False}, expect=200)
    exported = owner.get(f"/console/items/export?format={kind}")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == f'attachment; filename="items.{kind}"'
    before = items(api)

    api.request("DELETE", "/v1/items/squat", expect=204)
    api.request("DELETE", "/v1/items/plank", expect=204)
    taken = upload(owner, f"items.{kind}", exported.text)
    assert taken.status_code == 409  # keys are never reused: nothing is imported
    assert items(api) == []

    renamed = exported.text.replace("squat", "squat2").replace("plank", "plank2")
    imported = upload(owner, f"items.{kind}", renamed)
    assert imported.status_code == 303, imported.text
    after = [{**item, "key": str(item["key"])[:-1]} for item in items(api)]
    if kind == "csv":  # a CSV cell that reads as a number is one
        before[0]["attributes"] = {"base_points": 10, "label": 10}
    assert after == before
    assert len(audit(api, action="item.create")) == 4


def test_an_import_with_one_wrong_item_imports_none_and_says_where(
    owner: Browser, api: Api
) -> None:
    wrong = '[{"key": "a", "kind": "exercise"}, {"key": "b", "kind": "Bad Kind"}]'
    refused = upload(owner, "items.json", wrong)
    assert refused.status_code == 422
    assert "item 2 of the file is not valid: kind" in refused.text
    assert items(api) == []
    assert upload(owner, "items.csv", "key,kind\n").status_code == 422
    assert upload(owner, "items.json", "{not json").status_code == 422
    assert owner.post("/console/items/import", {"file": "x"}).status_code == 400
    assert items(api) == []


def test_a_viewer_reads_the_catalog_but_cannot_deactivate_or_import(
    owner: Browser, api: Api, settings: Settings, client: TestClient
) -> None:
    api.item("squat", "exercise")
    add_user(settings.database_url, "v@example.com", Role.VIEWER)
    viewer = Browser(client, "v@example.com")
    page = viewer.get("/console/items")
    assert page.status_code == 200
    assert "Deactivate squat" not in page.text
    assert "Import items" not in page.text
    assert viewer.post("/console/items/squat/active", {"active": "false"}).status_code == 403
    assert upload(viewer, "items.json", '[{"key": "x", "kind": "k"}]').status_code == 403
    assert items(api)[0]["active"] is True


def test_settings_are_read_by_a_viewer_and_changed_by_an_owner_as_the_api_does(
    owner: Browser, api: Api, settings: Settings, client: TestClient
) -> None:
    saved = owner.post(
        "/console/settings",
        {
            "player_event_types": "lesson.completed\n\nreview.done\n",
            "rate_limit_per_key": "600/minute",
            "rate_limit_per_player": "",
            "cors_origins": "https://app.example.com",
        },
    )
    assert saved.status_code == 303
    stored = api.get("/v1/apps/default", expect=200).json()["settings"]
    assert stored["player_event_types"] == ["lesson.completed", "review.done"]
    assert stored["rate_limit_per_key"] == "600/minute"
    assert stored["cors_origins"] == ["https://app.example.com"]
    [entry] = audit(api, action="app.settings")
    assert entry["actor"] == f"user:{OWNER}"

    wrong = owner.post("/console/settings", {"rate_limit_per_key": "lots"})
    assert wrong.status_code == 422
    assert "rate_limit_per_key" in wrong.text
    assert api.get("/v1/apps/default", expect=200).json()["settings"] == stored

    add_user(settings.database_url, "v2@example.com", Role.VIEWER)
    viewer = Browser(client, "v2@example.com")
    page = viewer.get("/console/settings")
    assert page.status_code == 200
    assert "600/minute" in page.text
    assert "Save settings" not in page.text
    assert viewer.post("/console/settings", {"cors_origins": ""}).status_code == 403


def test_a_broken_streak_restored_in_the_console_is_audited_as_the_api_does(
    settings: Settings, api: Api, client: TestClient
) -> None:
    _publish(api)
    add_user(settings.database_url, OWNER, Role.OWNER)
    owner = Browser(client, OWNER)
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    for back in (5, 4, 3, 1, 0):  # three days, a missed day, two days
        _lesson(api, "ann", today - timedelta(days=back))
    assert owner.post("/console/players/ann/streaks/daily/restore").status_code == 422
    restored = owner.post("/console/players/ann/streaks/daily/restore", {"reason": "app outage"})
    assert restored.status_code == 303
    assert "restored%20to%205" in restored.headers["location"]
    [entry] = audit(api, action="streak.restore")
    assert (entry["actor"], entry["target_id"]) == (f"user:{OWNER}", "ann/daily")
    assert entry["after"] == {"current": 5, "reason": "app outage"}
    again = owner.post("/console/players/ann/streaks/daily/restore", {"reason": "app outage"})
    assert again.status_code == 409
    assert "no break to restore" in again.text


def test_saving_settings_in_the_console_keeps_the_apps_time_zone(owner: Browser, api: Api) -> None:
    api.request("PUT", "/v1/apps/default/settings", json={"time_zone": "Europe/Paris"}, expect=200)
    page = owner.get("/console/settings")
    assert 'value="Europe/Paris"' in page.text
    # As the page's form sends it, and as an older form without the field would.
    fields = {"player_event_types": "", "rate_limit_per_key": "", "cors_origins": ""}
    assert owner.post("/console/settings", fields).status_code == 303
    assert api.get("/v1/apps/default", expect=200).json()["settings"]["time_zone"] == (
        "Europe/Paris"
    )
    moved = owner.post("/console/settings", {**fields, "time_zone": "Asia/Tokyo"})
    assert moved.status_code == 303
    assert api.get("/v1/apps/default", expect=200).json()["settings"]["time_zone"] == ("Asia/Tokyo")


def test_the_console_sets_the_brand_and_a_form_without_it_keeps_it(
    owner: Browser, api: Api
) -> None:
    fields = {"player_event_types": "", "rate_limit_per_key": "", "cors_origins": ""}
    brand = {"brand_name": "Lingo", "brand_color": "#16A34A", "brand_logo_url": "/logo.svg"}
    assert owner.post("/console/settings", {**fields, **brand}).status_code == 303
    stored = api.get("/v1/apps/default", expect=200).json()["settings"]
    assert (stored["brand_name"], stored["brand_color"]) == ("Lingo", "#16a34a")
    assert 'value="#16a34a"' in owner.get("/console/settings").text
    assert owner.post("/console/settings", fields).status_code == 303  # an older form
    assert api.get("/v1/apps/default", expect=200).json()["settings"]["brand_name"] == "Lingo"
    wrong = owner.post("/console/settings", {**fields, "brand_color": "green"})
    assert wrong.status_code == 422
    assert "brand_color" in wrong.text
    cleared = owner.post("/console/settings", {**fields, **brand, "brand_name": ""})
    assert cleared.status_code == 303
    assert api.get("/v1/apps/default", expect=200).json()["settings"]["brand_name"] is None


def test_a_failed_event_shows_why_on_the_console_player_page(owner: Browser, api: Api) -> None:
    api.publish("currencies: {xp: {}}\nrules: [{id: r, on: did, award: {xp: event.n}}]\n")
    api.post("/v1/events", params={"wait": "true"}, json={"type": "did", "player": "fay"})
    page = owner.get("/console/players/fay")
    assert page.status_code == 200
    assert "event.n is missing" in page.text
    assert "processing_failed" not in page.text  # the reason, not the problem's fields
