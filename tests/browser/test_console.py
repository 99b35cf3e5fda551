"""The web console in a real browser: a designer signs in, breaks the design and sees the
problem at its line, fixes it, reads the diff, publishes and rolls back; a viewer cannot
publish; a form without its CSRF token is refused. Every page visited has no console
errors and no serious accessibility violations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect

from questline.auth.policy import Role
from tests.browser.conftest import DESIGN, Server
from tests.browser.test_player_pages import PATIENCE_MS, Console, serious_violations
from tests.support.accounts import PASSWORD, add_user

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 900}
DESIGNER = "designer@example.com"
VIEWER = "viewer@example.com"
BROKEN_LINE = 47  # award: {xp: "default(event.xp, 10)"} in blueprints/language.yaml
RULE_NAME = "XP for a passed lesson"


@pytest.fixture(scope="module")
def accounts(server: Server) -> None:
    add_user(server.database_url, DESIGNER, Role.OWNER)
    add_user(server.database_url, VIEWER, Role.VIEWER)


@pytest.fixture
def desk(browser: Browser, accounts: None) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=DESK)
    yield context
    context.close()


def sign_in(context: BrowserContext, server: Server, email: str) -> tuple[Page, Console]:
    page = context.new_page()
    console = Console(page)
    page.goto(f"{server.url}/console/design")  # signed out: sent to sign in, then back
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the console")
    assert serious_violations(page) == []
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server.url}/console/design")
    expect(page.get_by_role("heading", level=1)).to_have_text("Game design")
    return page, console


def edit(page: Page, text: str) -> None:
    page.get_by_label("The design, as YAML").fill(text)


def test_a_designer_breaks_the_design_sees_where_fixes_it_and_publishes(
    desk: BrowserContext, server: Server, screenshots: Path
) -> None:
    page, console = sign_in(desk, server, DESIGNER)
    editor = page.get_by_label("The design, as YAML")
    expect(editor).to_have_value(DESIGN)
    assert serious_violations(page) == []

    lines = DESIGN.split("\n")
    assert 'award: {xp: "default(event.xp, 10)"}' in lines[BROKEN_LINE - 1]
    lines[BROKEN_LINE - 1] = lines[BROKEN_LINE - 1].replace("10)", "10) +* 2")
    edit(page, "\n".join(lines))

    problem = page.locator("#problems li").first
    expect(problem).to_contain_text(f"line {BROKEN_LINE}", timeout=PATIENCE_MS)
    expect(problem).to_contain_text("rules.0.award.xp")
    expect(page.locator(".editor__num.is-error")).to_have_text(str(BROKEN_LINE))
    expect(page.locator("#check-status")).to_have_text("1 problem(s)")
    problem.get_by_role("button").click()  # the caret moves to the problem
    caret_line = page.evaluate(
        "() => { const t = document.getElementById('source');"
        " return t.value.slice(0, t.selectionStart).split('\\n').length; }"
    )
    assert caret_line == BROKEN_LINE
    assert serious_violations(page) == []
    page.screenshot(path=screenshots / "console-editor-error.png")

    edit(page, DESIGN.replace(RULE_NAME, "XP for each passed lesson"))
    expect(page.locator("#check-status")).to_contain_text("Valid", timeout=PATIENCE_MS)
    expect(page.locator("#problems li")).to_have_count(0)
    diff = page.get_by_label("Changes from the current version")
    expect(diff.locator(".diff__remove")).to_contain_text(RULE_NAME)
    expect(diff.locator(".diff__add")).to_contain_text("XP for each passed lesson")
    page.screenshot(path=screenshots / "console-editor-diff.png")

    page.get_by_label("Message").fill("Say each passed lesson")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status").first).to_contain_text("is published")
    page.get_by_role("link", name="Versions").click()
    newest = page.locator("tbody tr").first
    expect(newest).to_contain_text("Say each passed lesson")
    expect(newest).to_contain_text(f"user:{DESIGNER}")
    assert serious_violations(page) == []
    page.screenshot(path=screenshots / "console-versions.png", full_page=True)

    newest.get_by_role("link").click()  # the diff with the version before
    expect(page.locator(".changes")).to_contain_text("XP for each passed lesson")
    assert serious_violations(page) == []

    # Roll back (after confirming), so the design is the blueprint's again.
    page.go_back()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tbody tr").nth(1).get_by_role("button").click()
    expect(page.get_by_role("status").first).to_contain_text("is published")
    current = server.http.get("/v1/config").json()
    assert current["comment"].startswith("rollback to version")
    assert RULE_NAME in (current.get("document") and str(current["document"]))
    assert console.errors == []


def test_a_viewer_sees_the_design_but_cannot_publish_it(
    desk: BrowserContext, server: Server
) -> None:
    page, console = sign_in(desk, server, VIEWER)
    expect(page.get_by_label("The design, as YAML")).to_have_attribute("readonly", "")
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)
    assert serious_violations(page) == []
    before = server.http.get("/v1/config").json()["version"]
    status = page.evaluate(
        """() => fetch('/console/design/publish', {method: 'POST',
            headers: {'Content-Type': 'application/x-www-form-urlencoded'},
            body: new URLSearchParams({
              csrf_token: document.querySelector('meta[name=csrf-token]').content,
              source: 'currencies: {xp: {}}'})}).then(r => r.status)"""
    )
    assert status == 403
    assert server.http.get("/v1/config").json()["version"] == before
    # The refusal is the one error the page may show: the browser logs the 403 itself.
    assert [e for e in console.errors if "403" not in e] == []


def test_a_form_without_its_csrf_token_is_refused(desk: BrowserContext, server: Server) -> None:
    page, console = sign_in(desk, server, DESIGNER)
    before = server.http.get("/v1/config").json()["version"]
    page.evaluate("() => document.querySelector('#design-form [name=csrf_token]').remove()")
    page.get_by_label("Message").fill("forged")

    def accept(dialog: Dialog) -> None:
        dialog.accept()

    page.on("dialog", accept)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(page.locator("main")).to_contain_text("CSRF token is missing or wrong")
    assert server.http.get("/v1/config").json()["version"] == before
    assert serious_violations(page) == []
    # The refusal is the one error the page may show: the browser logs the 403 itself.
    assert [e for e in console.errors if "403" not in e] == []


def test_an_admin_reads_a_players_ledger_and_grants_gems_with_a_reason(
    desk: BrowserContext, server: Server, screenshots: Path
) -> None:
    server.event("carla", "lesson.completed", "carla-lesson-0", xp=40, first_pass=True)
    page, console = sign_in(desk, server, DESIGNER)
    page.get_by_role("link", name="Players").click()
    page.get_by_label("Find a player by id or name").fill("car")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="carla").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("carla")

    ledger = page.get_by_role("region", name="Ledger")
    award = ledger.locator(".ledger-entry", has_text="+40 xp")
    expect(award).to_be_visible()
    explanation = award.locator("details p")
    expect(explanation).to_be_hidden()
    award.get_by_text("Why").click()
    expect(explanation).to_be_visible()
    expect(explanation).to_contain_text("40")
    assert serious_violations(page) == []

    page.get_by_label("Currency").select_option("gems")
    page.get_by_label("Amount (negative takes back)").fill("25")
    page.get_by_label("Reason (shown in the ledger and the audit log)").fill("Support ticket 4711")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Grant").click()
    expect(page.get_by_role("status").first).to_contain_text("Granted +25 gems")
    audit = page.get_by_role("region", name="Audit log for this player")
    expect(audit).to_contain_text("player.grant")
    expect(audit).to_contain_text(f"user:{DESIGNER}")
    expect(audit).to_contain_text("Support ticket 4711")
    page.reload()  # the grant is applied in the player's order, just after its commit
    expect(ledger.locator(".ledger-entry", has_text="+25 gems")).to_be_visible(timeout=PATIENCE_MS)
    assert serious_violations(page) == []
    page.screenshot(path=screenshots / "console-player.png", full_page=True)
    assert console.errors == []


def test_the_overview_charts_what_players_did(
    desk: BrowserContext, server: Server, screenshots: Path
) -> None:
    for day in range(3):
        server.event("dana", "lesson.completed", f"dana-overview-{day}", xp=15, first_pass=True)
    page, console = sign_in(desk, server, VIEWER)
    page.get_by_role("link", name="Overview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
    activity = page.get_by_role("img", name="Active players and events per day")
    expect(activity).to_be_visible()
    page.screenshot(path=screenshots / "console-overview.png")  # the top, as a user opens it
    # The chart's text alternative holds today's figures: at least dana, and her events.
    figures = page.get_by_role("region", name="Activity").locator("details")
    figures.get_by_text("The figures as a table").click()
    today = figures.locator("tbody tr").last
    cells = today.locator("td").all_inner_texts()
    assert int(cells[0]) >= 1, cells
    assert int(cells[1]) >= 3, cells
    expect(page.get_by_role("img", name="Awarded per day, by currency")).to_be_visible()
    assert serious_violations(page) == []
    assert console.errors == []
