"""The wallet page's shop and the app's brand in a real browser: a player buys an item and
sees the new balance (a double click buys once, and so does the same form sent twice),
a refusal says why, the pages wear the app's name, logo and colour in both themes with no
serious accessibility violation, and a widget asked for Hebrew speaks it right to left."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Server
from tests.browser.test_player_pages import (
    PATIENCE_MS,
    PHONE,
    Console,
    open_as,
    serious_violations,
)
from tests.browser.test_widgets import host_app

pytestmark = pytest.mark.browser

BRAND = {
    "brand_name": "Lingo",
    # A light yellow: unreadable as text on white as it is, so the light theme darkens it.
    "brand_color": "#ffd43b",
    "brand_logo_url": "/play/static/demo-logo.svg",
}


@pytest.fixture
def branded(server: Server) -> Iterator[dict[str, Any]]:
    """The app wearing BRAND (its other settings as they were), for one test."""
    before = server.http.get("/v1/apps/default").json()["settings"]
    put = server.http.put("/v1/apps/default/settings", json={**before, **BRAND})
    assert put.status_code == 200, put.text
    branding: dict[str, Any] = server.http.get("/v1/branding").json()
    yield branding
    server.http.put("/v1/apps/default/settings", json=before)


def player_with_gems(server: Server, player: str, gems: int, locale: str | None = None) -> str:
    """A player with one lesson done (and its few gems) plus ``gems`` more; their token."""
    event: dict[str, Any] = {
        "id": f"{player}-lesson",
        "player": player,
        "type": "lesson.completed",
        "properties": {"xp": 20},
    }
    if locale is not None:
        event["profile"] = {"locale": locale}
    assert server.http.post("/v1/events", json=event).status_code in (200, 201, 202)
    deadline = time.monotonic() + 30
    while server.http.get(f"/v1/events/{event['id']}").json()["status"] == "pending":
        assert time.monotonic() < deadline, "the event was not processed"
        time.sleep(0.02)
    if gems:
        grant = {"id": f"{player}-gift", "currency": "gems", "amount": gems, "reason": "test"}
        granted = server.http.post(f"/v1/players/{player}/grants", json=grant)
        assert granted.status_code == 201, granted.text
    return server.token(player)


def gems_on(page: Page) -> int:
    row = page.get_by_role("row", name="Gems")
    return int(row.get_by_role("cell").first.inner_text().replace(",", ""))


def gems_of(server: Server, player: str) -> int:
    balance: int = server.http.get(f"/v1/players/{player}").json()["currencies"]["gems"]["balance"]
    return balance


def purchases_of(server: Server, player: str) -> list[str]:
    found = server.http.get(f"/v1/players/{player}/purchases").json()["data"]
    return [purchase["offer"] for purchase in found]


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2)
    yield context
    context.close()


def rgb(color: str) -> str:
    value = color.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({r}, {g}, {b})"


def test_the_pages_wear_the_apps_brand_readably_in_both_themes(
    phone: BrowserContext, server: Server, branded: dict[str, Any], screenshots: Path
) -> None:
    page = open_as(phone, server, player_with_gems(server, "gia", 60))
    console = Console(page)
    header = page.get_by_role("banner")
    expect(header).to_contain_text("Lingo")
    logo = header.get_by_role("img", name="Lingo logo")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page).to_have_title("Dashboard · gia · Lingo")
    tab = page.get_by_role("navigation", name="Your progress").locator('[aria-current="page"]')
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for path in ("/play", "/play/wallet"):
            page.goto(f"{server.url}{path}")
            # The brand colour, as the theme can carry it, on the current tab's underline.
            expect(tab).to_have_css("border-bottom-color", rgb(branded["accent"][scheme]))
            assert serious_violations(page) == [], f"{path} ({scheme})"
            name = path.strip("/").replace("/", "-")
            page.screenshot(path=screenshots / f"brand-{name}-{scheme}.png", full_page=True)
    assert branded["accent"]["light"] != BRAND["brand_color"]  # darkened to be read on white
    assert console.errors == []


def test_buying_an_item_shows_the_new_balance_and_a_double_click_buys_once(
    phone: BrowserContext, server: Server, screenshots: Path
) -> None:
    page = open_as(phone, server, player_with_gems(server, "hal", 100), "/play/wallet")
    console = Console(page)
    before = gems_on(page)
    offer = page.get_by_role("listitem").filter(has_text="Streak freeze")

    offer.get_by_role("button", name="Buy Streak freeze").dblclick()

    outcome = page.get_by_role("status").filter(has_text="You bought Streak freeze.")
    expect(outcome).to_be_visible(timeout=PATIENCE_MS)
    expect(outcome).to_contain_text(f"Gems: {before - 50} left")
    expect(outcome).to_be_focused()
    assert gems_on(page) == before - 50
    assert purchases_of(server, "hal") == ["streak-freeze"]
    assert serious_violations(page) == []
    page.screenshot(path=screenshots / "wallet-bought.png", full_page=True)
    assert console.errors == []


def test_the_same_form_sent_twice_without_javascript_buys_once(
    browser: Browser, server: Server, screenshots: Path
) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = open_as(context, server, player_with_gems(server, "ivy", 100), "/play/wallet")
        before = gems_on(page)
        form = page.locator("form[data-buy]").filter(
            has=page.locator('input[name="offer"][value="double-xp"]')
        )
        fields = {
            name: form.locator(f'input[name="{name}"]').get_attribute("value") or ""
            for name in ("csrf_token", "offer", "purchase")
        }
        # The form as the browser sends it, twice (a resent request), with the page's cookie.
        for _ in range(2):
            sent = context.request.post(f"{server.url}/play/wallet", form=fields)
            assert sent.ok
        assert purchases_of(server, "ivy") == ["double-xp"]
        assert gems_of(server, "ivy") == before - 15

        # And clicked, without a line of JavaScript: the page says what it came to.
        page.get_by_role("button", name="Buy XP potion").click()
        expect(page.get_by_role("status")).to_contain_text("You bought XP potion.")
        assert gems_on(page) == before - 15 - 25
        page.screenshot(path=screenshots / "wallet-bought-no-javascript.png", full_page=True)
    finally:
        context.close()


def test_a_purchase_the_player_cannot_afford_says_why_and_spends_nothing(
    phone: BrowserContext, server: Server, screenshots: Path
) -> None:
    page = open_as(phone, server, player_with_gems(server, "jo", 10), "/play/wallet")
    before = gems_on(page)
    page.get_by_role("button", name="Buy Streak freeze").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("Not enough to buy Streak freeze: earn more and try again.")
    assert gems_on(page) == before
    assert purchases_of(server, "jo") == []
    assert serious_violations(page) == []
    page.screenshot(path=screenshots / "wallet-refused.png", full_page=True)


def hebrew_host_page(server: Server, tokens: dict[str, str]) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host app</title>
<script src="{server.url}/widgets.js" defer></script></head>
<body><main>
  <h1>My app</h1>
  <questline-badges player="kai" token="{tokens["kai"]}" locale="he"></questline-badges>
  <questline-progress player="kai" token="{tokens["kai"]}" currency="xp"></questline-progress>
  <questline-progress player="lea" token="{tokens["lea"]}" currency="xp"></questline-progress>
</main></body></html>"""


def test_a_widget_in_hebrew_reads_right_to_left_in_the_apps_colour(
    browser: Browser, server: Server, branded: dict[str, Any], screenshots: Path
) -> None:
    tokens = {
        "kai": player_with_gems(server, "kai", 0),
        "lea": player_with_gems(server, "lea", 0, locale="he-IL"),
    }
    with host_app(hebrew_host_page(server, tokens)) as host:
        settings = server.http.get("/v1/apps/default").json()["settings"]
        allowed = server.http.put(
            "/v1/apps/default/settings", json={**settings, "cors_origins": [host]}
        )
        assert allowed.status_code == 200, allowed.text
        context = browser.new_context(viewport={"width": 800, "height": 900})
        try:
            page = context.new_page()
            console = Console(page)
            page.goto(f"{host}/")
            # Asked for by its attribute: Hebrew, right to left.
            badges = page.locator("questline-badges").locator("section.box")
            expect(badges).to_have_attribute("dir", "rtl")
            expect(badges).to_have_attribute("lang", "he")
            expect(badges).to_have_attribute("aria-label", "תגים")
            scholar = badges.get_by_role("progressbar", name="התקדמות לקראת Scholar: 10%")
            expect(scholar).to_be_visible()
            assert badges.evaluate("b => getComputedStyle(b).direction") == "rtl"
            # Without the attribute: the player's own locale (lea's is he-IL), else English.
            kai, lea = page.locator("questline-progress").all()
            expect(lea.locator("section.box")).to_have_attribute("dir", "rtl")
            expect(lea).to_contain_text("רמה 1")
            expect(kai.locator("section.box")).to_have_attribute("dir", "ltr")
            expect(kai).to_contain_text("Level 1")
            # The app's brand colour is the default of the accent a host may override.
            style = lea.evaluate("e => e.shadowRoot.querySelector('style').textContent")
            assert f"var(--questline-accent, {branded['accent']['light']})" in style
            page.screenshot(path=screenshots / "widgets-hebrew.png", full_page=True)
            assert console.errors == []
        finally:
            context.close()
