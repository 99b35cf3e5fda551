"""The console's player actions and administration in a real browser: an administrator
gives a player streak freezes with a reason and sees the audit entry; creates an API key,
sees its secret once, and revokes it. Every page visited has no console errors and no
serious accessibility violations."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import Server
from tests.browser.test_console import (  # noqa: F401 (fixtures)
    DESIGNER,
    VIEWER,
    accounts,
    desk,
    sign_in,
)
from tests.browser.test_player_pages import PATIENCE_MS, serious_violations

pytestmark = pytest.mark.browser


def test_an_admin_gives_streak_freezes_with_a_reason_and_sees_the_audit_entry(
    desk: BrowserContext,  # noqa: F811
    server: Server,
    screenshots: Path,
) -> None:
    server.event("dora", "lesson.completed", "dora-lesson-0", xp=30, first_pass=True)
    page, console = sign_in(desk, server, DESIGNER)
    page.goto(f"{server.url}/console/players/dora")
    streak = page.locator(".streak[data-streak=practice]")
    expect(streak).to_contain_text("1 of 2 freeze(s)")
    events = page.get_by_role("region", name="Recent events")
    expect(events).to_contain_text("dora-lesson-0")
    assert serious_violations(page) == []

    streak.get_by_label("Freezes to give").fill("1")
    streak.get_by_label("Reason").fill("Apology for the outage")
    page.once("dialog", lambda dialog: dialog.accept())
    streak.get_by_role("button", name="Give freezes").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Streak practice has 2 freeze(s)", timeout=PATIENCE_MS
    )
    audit = page.get_by_role("region", name="Audit log for this player")
    expect(audit).to_contain_text("streak.freezes.grant")
    expect(audit).to_contain_text(f"user:{DESIGNER}")
    expect(audit).to_contain_text("Apology for the outage")
    assert serious_violations(page) == []
    page.screenshot(path=screenshots / "console-player-actions.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Export everything held about them (JSON)").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert exported == server.http.get("/v1/players/dora/export").text
    assert console.errors == []


def test_an_owner_creates_a_key_sees_its_secret_once_and_revokes_it(
    desk: BrowserContext,  # noqa: F811
    server: Server,
    screenshots: Path,
) -> None:
    page, console = sign_in(desk, server, DESIGNER)
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API keys")
    assert serious_violations(page) == []
    page.get_by_label("Name (what it is for)").fill("mobile backend")
    page.get_by_label("events:write").check()
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_role("textbox", name="Secret").input_value()
    assert secret
    row = page.locator("tbody tr", has_text="mobile backend")
    expect(row).to_contain_text("events:write")
    assert serious_violations(page) == []
    page.screenshot(path=screenshots / "console-keys-created.png", full_page=True)
    sent = server.http.post(
        "/v1/events",
        json={"id": "key-check-1", "player": "erin", "type": "lesson.completed"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert sent.status_code in (200, 201, 202), sent.text

    page.get_by_role("link", name="API keys").click()  # the secret is shown once, never again
    expect(page.get_by_role("textbox", name="Secret")).to_have_count(0)
    assert secret not in page.content()
    row = page.locator("tbody tr", has_text="mobile backend")
    row.get_by_text("Revoke…").click()
    row.get_by_role("button", name="Revoke mobile backend now").click()
    expect(page.get_by_role("status").first).to_contain_text("is revoked")
    expect(page.locator("tbody tr", has_text="mobile backend")).to_contain_text("revoked")
    refused = server.http.post(
        "/v1/events",
        json={"id": "key-check-2", "player": "erin", "type": "lesson.completed"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert refused.status_code == 401

    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Action").fill("key.revoke")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr").first).to_contain_text(f"user:{DESIGNER}")
    expect(page.locator("tbody tr")).to_have_count(1)
    assert serious_violations(page) == []
    page.screenshot(path=screenshots / "console-audit.png", full_page=True)
    page.get_by_role("link", name="Users").click()
    expect(page.locator("tbody")).to_contain_text(DESIGNER)
    assert serious_violations(page) == []
    page.screenshot(path=screenshots / "console-users.png", full_page=True)
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    assert serious_violations(page) == []
    page.screenshot(path=screenshots / "console-webhooks.png", full_page=True)
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Settings of")
    assert serious_violations(page) == []
    page.screenshot(path=screenshots / "console-settings.png", full_page=True)
    assert console.errors == []


def test_an_editor_deactivates_an_item_whose_hebrew_name_reads_right_to_left(
    desk: BrowserContext,  # noqa: F811
    server: Server,
    screenshots: Path,
) -> None:
    made = server.http.post(
        "/v1/items",
        json={
            "key": "squat",
            "kind": "exercise",
            "names": {"en": "Squat", "he": "סקוואט"},
            "attributes": {"base_points": 10},
        },
    )
    assert made.status_code == 201, made.text
    page, console = sign_in(desk, server, DESIGNER)
    page.get_by_role("link", name="Catalog").click()
    row = page.locator("tbody tr[data-item=squat]")
    hebrew = row.locator("[lang=he]")
    expect(hebrew).to_have_text("סקוואט")
    assert hebrew.evaluate("e => getComputedStyle(e).direction") == "rtl"
    expect(row).to_contain_text("base_points")
    assert serious_violations(page) == []

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Deactivate squat").click()
    expect(page.get_by_role("status").first).to_contain_text("squat is inactive.")
    expect(page.locator("tbody tr[data-item=squat]")).to_contain_text("inactive")
    assert server.http.get("/v1/items/squat").json()["active"] is False
    [entry] = server.http.get("/v1/audit", params={"action": "item.update"}).json()["data"]
    assert entry["actor"] == f"user:{DESIGNER}"
    assert entry["after"]["active"] is False
    assert serious_violations(page) == []
    page.screenshot(path=screenshots / "console-catalog.png", full_page=True)
    assert console.errors == []


def test_a_viewer_browses_boards_their_runs_and_a_league_group(
    desk: BrowserContext,  # noqa: F811
    server: Server,
    screenshots: Path,
) -> None:
    server.event("finn", "lesson.completed", "finn-lesson-0", xp=50, first_pass=True)
    league = server.http.get("/v1/players/finn/league").json()
    page, console = sign_in(desk, server, VIEWER)
    page.get_by_role("link", name="Leaderboards").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leaderboards")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Weekly XP").click()
    standings = page.get_by_role("region", name="Standings")
    expect(standings.get_by_role("link", name="finn")).to_be_visible()
    runs = page.get_by_role("region", name="Runs")
    expect(runs.get_by_role("link").first).to_be_visible()
    assert serious_violations(page) == []
    page.screenshot(path=screenshots / "console-leaderboard.png", full_page=True)
    runs.get_by_role("link").first.click()
    expect(page.get_by_role("region", name="Standings")).to_contain_text("finn")

    page.get_by_role("link", name="All leaderboards").click()
    page.get_by_label("Tier").fill(league["tier"])
    page.get_by_label("Group number").fill(str(league["group"]))
    page.get_by_role("button", name="Show the group").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"group {league['group']}")
    expect(page.locator("tbody")).to_contain_text("finn")
    assert serious_violations(page) == []
    page.screenshot(path=screenshots / "console-league-group.png", full_page=True)
    expect(page.get_by_role("link", name="Webhooks")).to_have_count(0)  # a viewer's nav
    assert console.errors == []
