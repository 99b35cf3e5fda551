"""The widgets in a host app's own page, on another origin: they show the player's
progress, streak, badges and ranks from the API, keep their styles to themselves (shadow
DOM) while taking the host's theme (CSS custom properties), and toast what happens."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import AVATARS, Server, serve_avatars
from tests.browser.test_player_pages import PATIENCE_MS, Console

pytestmark = pytest.mark.browser


@contextmanager
def host_app(html: str) -> Iterator[str]:
    """A host app's page, served from another origin than Questline's. On loopback as
    well: Chromium keeps pages of other address spaces from reaching loopback ones."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def host_page(server: Server, token: str) -> str:
    attributes = f'player="cleo" token="{token}"'
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host app</title>
<style>
  section {{ border: 7px dashed blue; }}
  .themed {{ --questline-border: rgb(200, 30, 30); --questline-radius: 2px; }}
</style>
<script src="{server.url}/widgets.js" defer></script></head>
<body><main>
  <h1>My app</h1>
  <div class="themed"><questline-progress {attributes} currency="xp"></questline-progress></div>
  <questline-streak {attributes}></questline-streak>
  <questline-badges {attributes}></questline-badges>
  <questline-leaderboard {attributes}></questline-leaderboard>
  <questline-leaderboard {attributes} board="weekly_xp" id="board"></questline-leaderboard>
  <questline-toasts {attributes}></questline-toasts>
</main></body></html>"""


def test_a_host_page_shows_the_widgets_and_their_live_toasts(
    browser: Browser, server: Server, screenshots: Path
) -> None:
    cleo = {"name": "Cleo Park", "avatar_url": f"{AVATARS}/cleo.svg"}
    server.event("cleo", "lesson.completed", "cleo-lesson-0", cleo, xp=30, first_pass=True)
    server.event("dov", "lesson.completed", "dov-lesson-0", xp=29)  # just behind, unnamed
    with host_app(host_page(server, server.token("cleo"))) as host:
        allowed = server.http.put("/v1/apps/default/settings", json={"cors_origins": [host]})
        assert allowed.status_code == 200, allowed.text
        context = browser.new_context(viewport={"width": 800, "height": 900})
        serve_avatars(context)
        try:
            page = context.new_page()
            console = Console(page)
            page.goto(f"{host}/")
            see_the_widgets(page, server, screenshots)
            assert console.errors == []
        finally:
            context.close()


def see_the_widgets(page: Page, server: Server, screenshots: Path) -> None:
    progress = page.locator("questline-progress")
    expect(progress.locator(".big")).to_have_text("30")
    expect(progress.get_by_role("progressbar")).to_be_visible()
    expect(page.locator("questline-streak")).to_contain_text("Daily practice")
    expect(page.locator("questline-badges")).to_contain_text("First steps")
    expect(page.locator("questline-leaderboard").first).to_contain_text("weekly_xp")

    # One board around the player: each neighbour's picture or initial and name, the
    # player's own row marked.
    board = page.locator("#board")
    me = board.locator("li[aria-current]")
    expect(me).to_contain_text("Cleo Park")
    picture = me.get_by_role("img", name="Cleo Park's picture")
    expect(picture).to_have_js_property("complete", True)
    assert picture.evaluate("img => [img.naturalWidth > 0, img.width, img.height]") == [
        True,
        28,
        28,
    ]
    dov = board.locator("li", has_text="dov")
    expect(dov.locator(".avatar-none")).to_have_text("D")
    expect(board.get_by_role("region", name="Leaderboard: Weekly XP")).to_be_visible()

    box = progress.locator("section.box")
    styles = box.evaluate(
        "b => [getComputedStyle(b).borderTopColor, getComputedStyle(b).borderTopWidth,"
        " getComputedStyle(b).borderTopLeftRadius]"
    )
    # The host's theme reaches in through custom properties; its `section` rule does not.
    assert styles == ["rgb(200, 30, 30)", "1px", "2px"]

    toasts = page.locator("questline-toasts")
    expect(toasts).to_have_attribute("data-live", "open", timeout=PATIENCE_MS)
    server.event("cleo", "lesson.completed", "cleo-lesson-1", xp=100)
    toast = toasts.locator('.toast[data-kind="level_reached"]')
    expect(toast).to_be_visible(timeout=PATIENCE_MS)
    expect(progress.locator(".big")).to_have_text("130", timeout=PATIENCE_MS)
    toast.evaluate("t => Promise.all(t.getAnimations().map(a => a.finished))")
    page.screenshot(path=screenshots / "widgets-host-page.png", full_page=True)
