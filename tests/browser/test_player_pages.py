"""A player's pages in a real browser: opened with a token, live toasts, every page in
both themes on a phone, Hebrew right to left, no console errors, no serious accessibility
violations, and a token that shows its own player only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from tests.browser.conftest import AVATARS, Server, serve_avatars

pytestmark = pytest.mark.browser

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
PHONE = {"width": 360, "height": 780}
PAGES = [
    "/play",
    "/play/badges",
    "/play/missions",
    "/play/leaderboards",
    "/play/league",
    "/play/wallet",
    "/play/reviews",
    "/play/feed",
]
# Time to wait for something to appear; what the tests assert is that it appears.
PATIENCE_MS = 10_000


@pytest.fixture(scope="module")
def players(server: Server) -> dict[str, str]:
    """Three players with some history, and a token for each: Noa with the name and the
    avatar her app gave her, ana and ben with neither."""
    for n in range(3):
        server.event("ana", "lesson.completed", f"ana-lesson-{n}", xp=20, first_pass=True)
    server.event("ben", "lesson.completed", "ben-lesson-0", xp=15)
    noa = {"name": "Noa Levi", "avatar_url": f"{AVATARS}/noa.svg"}
    server.event("noa", "lesson.completed", "noa-lesson-0", profile=noa, xp=40)
    return {player: server.token(player) for player in ("ana", "ben", "noa")}


class Console:
    """What a page wrote to its console as errors, and the scripts that failed."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", self._message)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _message(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2)
    serve_avatars(context)
    yield context
    context.close()


def open_as(context: BrowserContext, server: Server, token: str, path: str = "/play") -> Page:
    page = context.new_page()
    page.goto(f"{server.url}{path}?access_token={token}")
    return page


def serious_violations(page: Page) -> list[str]:
    # Evaluated from outside the page: its CSP (no inline script) stays on for the page.
    page.evaluate(AXE_SOURCE)
    result: dict[str, Any] = page.evaluate("() => axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_token_moves_into_an_http_only_cookie_and_leaves_the_address(
    phone: BrowserContext, server: Server, players: dict[str, str]
) -> None:
    page = open_as(phone, server, players["ana"], "/play/badges")
    assert page.url == f"{server.url}/play/badges"
    cookie = next(c for c in phone.cookies() if c["name"] == "questline_token")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"
    assert page.evaluate("() => document.cookie").find(players["ana"]) == -1
    page.goto(f"{server.url}/play")  # later pages: the cookie alone
    expect(page.get_by_role("heading", level=1)).to_contain_text("ana")


def test_player_sees_a_toast_and_new_numbers_when_they_level_up(
    phone: BrowserContext, server: Server, players: dict[str, str], screenshots: Path
) -> None:
    page = open_as(phone, server, players["ana"])
    console = Console(page)
    expect(page.locator("body")).to_have_attribute("data-live", "open", timeout=PATIENCE_MS)
    xp = page.locator('[data-currency="xp"] [data-balance]')
    before = int(xp.inner_text().replace(",", ""))

    server.event("ana", "lesson.completed", "ana-big-lesson", xp=200)

    toast = page.locator('.toast[data-kind="level_reached"]')
    expect(toast).to_be_visible(timeout=PATIENCE_MS)
    expect(toast).to_contain_text("Level")
    expect(xp).to_have_text(f"{before + 200:,}", timeout=PATIENCE_MS)
    toast.evaluate("t => Promise.all(t.getAnimations({subtree: true}).map(a => a.finished))")
    page.screenshot(path=screenshots / "dashboard-toast-light.png")
    assert console.errors == []


def test_every_page_in_both_themes_on_a_phone_is_accessible_and_error_free(
    phone: BrowserContext, server: Server, players: dict[str, str], screenshots: Path
) -> None:
    page = open_as(phone, server, players["ana"])
    console = Console(page)
    for path in PAGES:
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.goto(f"{server.url}{path}")
            expect(page.get_by_role("navigation", name="Your progress")).to_be_visible()
            # Nothing is wider than the phone.
            assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
            assert serious_violations(page) == [], f"{path} ({scheme})"
            name = path.strip("/").replace("/", "-").replace("play-", "") or "play"
            page.screenshot(path=screenshots / f"{name}-{scheme}.png", full_page=True)
    assert console.errors == []


def test_badges_show_progress_and_the_board_finds_the_player(
    phone: BrowserContext, server: Server, players: dict[str, str]
) -> None:
    page = open_as(phone, server, players["ana"], "/play/badges")
    unlocked = page.get_by_role("region", name="Unlocked")
    expect(unlocked).to_contain_text("First steps")
    scholar = page.get_by_role("progressbar", name="Progress towards Scholar")
    expect(scholar.first).to_have_attribute("value", "40.0")  # 4 of 10 lessons

    page.goto(f"{server.url}/play/leaderboards?view=around")
    me = page.locator("tr[aria-current]")
    expect(me).to_contain_text("ana")
    expect(page.get_by_role("link", name="Around me")).to_have_attribute("aria-current", "page")


def test_boards_and_the_league_show_each_players_name_and_picture(
    phone: BrowserContext, server: Server, players: dict[str, str], screenshots: Path
) -> None:
    page = open_as(phone, server, players["noa"], "/play/leaderboards")
    console = Console(page)
    for path in ("/play/leaderboards", "/play/league"):
        page.goto(f"{server.url}{path}")
        me = page.locator("tr[aria-current]")
        expect(me).to_contain_text("Noa Levi")
        expect(me).not_to_contain_text("noa")
        picture = me.get_by_role("img", name="Noa Levi's picture")
        expect(picture).to_have_attribute("loading", "lazy")
        # Loaded from the avatars' own https server: the page's CSP lets it in.
        expect(picture).to_have_js_property("complete", True)
        assert picture.evaluate("img => [img.naturalWidth > 0, img.width, img.height]") == [
            True,
            28,
            28,
        ]
        # A player without a name shows as their id, beside their initial.
        ben = page.locator("tr", has_text="ben")
        expect(ben.locator(".avatar--none")).to_have_text("B")
        expect(ben.get_by_role("img")).to_have_count(0)
        assert serious_violations(page) == [], path
        page.screenshot(path=screenshots / f"{path.split('/')[-1]}-names.png", full_page=True)
    assert console.errors == []


def test_the_theme_toggle_works_from_the_keyboard_and_is_remembered(
    phone: BrowserContext, server: Server, players: dict[str, str]
) -> None:
    page = open_as(phone, server, players["ana"])
    page.emulate_media(color_scheme="light")
    page.get_by_role("button", name="Switch between light and dark theme").focus()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")


def test_hebrew_pages_read_right_to_left(
    phone: BrowserContext, server: Server, players: dict[str, str], screenshots: Path
) -> None:
    page = open_as(phone, server, players["ana"], "/play")
    console = Console(page)
    page.goto(f"{server.url}/play?lang=he")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "he")
    expect(page.get_by_role("navigation", name="ההתקדמות שלך")).to_contain_text("תגים")
    page.goto(f"{server.url}/play/missions")  # the choice stays
    expect(page.get_by_role("heading", level=1)).to_have_text("משימות")
    assert serious_violations(page) == []
    page.screenshot(path=screenshots / "missions-hebrew.png", full_page=True)
    assert console.errors == []


def test_a_token_for_one_player_never_shows_another(
    browser: Browser, server: Server, players: dict[str, str]
) -> None:
    context = browser.new_context()
    serve_avatars(context)
    try:
        page = open_as(context, server, players["ben"])
        expect(page.get_by_role("heading", level=1)).to_contain_text("ben")
        for path in PAGES:
            page.goto(f"{server.url}{path}?player=ana")
            assert "Ana" not in page.locator("header").inner_text()
        # The notification stream and the API of another player refuse the cookie.
        status = page.evaluate(
            "() => fetch('/v1/players/ana/notifications/stream').then(r => r.status)"
        )
        assert status == 403
        # A page without a token is a page that says so, not someone's data.
        context.clear_cookies()
        response = page.goto(f"{server.url}/play")
        assert response is not None
        assert response.status == 401
        expect(page.get_by_role("heading", level=1)).to_have_text("Open this page from your app")
    finally:
        context.close()
