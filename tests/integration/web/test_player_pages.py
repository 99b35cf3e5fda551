"""The player pages over HTTP, on SQLite and PostgreSQL: a token opens them once and then
lives in a cookie; a page shows the token's own player, the same numbers the API answers
with; anything else is refused, as a page for a person and as problem details for a
program. (What a browser does with them: tests/browser.)"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from questline.settings import Settings
from questline.web.demo import demo_link
from tests.integration.conftest import Api

COOKIE = "questline_token"


def token(api: Api, player: str) -> str:
    minted = api.post(f"/v1/players/{player}/token", expect=200)
    value: str = minted.json()["token"]
    return value


def open_pages(client: TestClient, token_value: str, path: str = "/play") -> None:
    moved = client.get(f"{path}?access_token={token_value}&lang=en", follow_redirects=False)
    assert moved.status_code == 303
    assert moved.headers["location"] == f"{path}?lang=en"
    cookie = moved.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}={token_value};")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert moved.headers["referrer-policy"] == "no-referrer"


def test_the_dashboard_shows_the_numbers_the_api_answers_with(api: Api, client: TestClient) -> None:
    api.publish_blueprint("language")
    api.event("ana", "lesson.completed", xp=120, first_pass=True)
    open_pages(client, token(api, "ana"))

    page = client.get("/play")  # the cookie alone, from here on
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    state = api.player("ana")
    xp = state["currencies"]["xp"]
    assert f'<span class="currency__balance" data-balance>{xp["balance"]}</span>' in page.text
    assert f"Level {xp['level']['level']}" in page.text
    assert "XP for a passed lesson" in page.text  # the award, by its rule's name
    assert 'data-player="ana"' in page.text


def test_every_page_of_the_design_opens_and_only_those(api: Api, client: TestClient) -> None:
    api.publish_blueprint("language")
    api.event("ana", "lesson.completed", xp=30)
    open_pages(client, token(api, "ana"))
    links = set(re.findall(r'<a href="(/play[^"?]*)"', client.get("/play").text))
    # The language design has badges, quests, a leaderboard, a league, a shop and the
    # learning module; the social module (always wired in) gives the feed.
    assert links == {
        "/play",
        "/play/badges",
        "/play/missions",
        "/play/leaderboards",
        "/play/league",
        "/play/wallet",
        "/play/reviews",
        "/play/feed",
    }
    for path in links:
        assert client.get(path).status_code == 200, path
    assert "First steps" in client.get("/play/badges").text
    assert "Review 20 cards" in client.get("/play/missions").text
    assert "bronze league" in client.get("/play/league").text
    assert "Streak freeze" in client.get("/play/wallet").text
    assert "No cards yet" in client.get("/play/reviews").text
    assert "follow other players" in client.get("/play/feed").text


def test_the_friends_board_ranks_the_player_among_those_they_follow(
    api: Api, client: TestClient
) -> None:
    api.publish_blueprint("language")
    for player, xp in (("ana", 30), ("ben", 50), ("cleo", 90)):
        api.event(player, "lesson.completed", xp=xp)
    api.request("PUT", "/v1/players/ana/following/ben", expect=201)
    open_pages(client, token(api, "ana"))
    board = client.get("/play/leaderboards", params={"view": "friends"}).text
    assert names_on(board) == ["ben", "ana"]
    assert 'aria-current="page">Friends</a>' in board


def test_the_friends_board_shows_the_player_below_its_top(api: Api, client: TestClient) -> None:
    api.publish_blueprint("language")
    api.event("ana", "lesson.completed", xp=5)
    followed = [f"p{n:02}" for n in range(11)]
    for n, player in enumerate(followed):
        api.event(player, "lesson.completed", xp=100 - n)
        api.request("PUT", f"/v1/players/ana/following/{player}", expect=201)
    open_pages(client, token(api, "ana"))
    board = client.get("/play/leaderboards", params={"view": "friends"}).text
    assert names_on(board) == [*followed[:10], "ana"]  # the top ten, then ana (12th)
    assert re.search(r'<tr class="me" aria-current="true">\s*<td>12</td>', board)


def names_on(page: str) -> list[str]:
    """The players a board or league group lists, top first, as the page names them."""
    return re.findall(r'<span class="player__name">([^<]*)</span>', page)


def profiled_event(api: Api, player: str, xp: int, **profile: str) -> None:
    """A lesson of the player's, sent with the profile the host app keeps for them."""
    body = {"type": "lesson.completed", "player": player, "properties": {"xp": xp}}
    api.post("/v1/events", params={"wait": "true"}, json={**body, "profile": profile}, expect=202)


def test_boards_and_the_league_name_each_player_and_show_their_picture(
    api: Api, client: TestClient
) -> None:
    api.publish_blueprint("language")
    profiled_event(api, "ana", 90, name="Ana Lima", avatar_url="https://cdn.example.com/ana.png")
    profiled_event(api, "ben", 50, avatar_url="http://cdn.example.com/ben.png")
    api.event("cleo", "lesson.completed", xp=30)
    open_pages(client, token(api, "ben"))
    for path in ("/play/leaderboards", "/play/league"):
        page = client.get(path)
        # The name the app gave, else the id; an https picture, else the initial.
        assert names_on(page.text) == ["Ana Lima", "ben", "cleo"], path
        assert (
            '<img class="avatar" src="https://cdn.example.com/ana.png" alt="Ana Lima&#39;s'
            ' picture" width="28" height="28" loading="lazy" decoding="async">'
        ) in page.text
        assert "http://cdn.example.com/ben.png" not in page.text  # mixed content: not shown
        initials = re.findall(
            r'<span class="avatar avatar--none" aria-hidden="true">(.)</span>', page.text
        )
        assert initials == ["B", "C"]
        # The reader's own row is marked, and only theirs.
        assert len(re.findall(r"aria-current=\"true\"", page.text.split("<tbody>")[1])) == 1
        mine = re.search(r"<tr[^>]*aria-current=\"true\">.*?</tr>", page.text, re.S)
        assert mine is not None
        assert names_on(mine[0]) == ["ben"]
        # Pictures may come from any https server, nothing else from elsewhere.
        policy = page.headers["content-security-policy"]
        assert "img-src 'self' data: https:;" in policy
        assert "script-src 'self';" in policy


def test_a_page_shows_the_token_player_whatever_the_address_asks(
    api: Api, client: TestClient
) -> None:
    api.publish_blueprint("language")
    api.event("ana", "lesson.completed", xp=500)
    api.event("ben", "lesson.completed", xp=5)
    open_pages(client, token(api, "ben"))
    page = client.get("/play", params={"player": "ana", "player_id": "ana"})
    assert 'data-player="ben"' in page.text
    assert "ana" not in page.text
    # The stream of another player refuses the cookie.
    assert client.get("/v1/players/ana/notifications/stream").status_code == 403


def test_only_a_player_token_opens_a_page(api: Api, client: TestClient) -> None:
    admin = api.headers["Authorization"]
    as_key = client.get("/play", headers={"Authorization": admin})
    assert as_key.status_code == 403
    assert as_key.headers["content-type"] == "application/problem+json"
    client.cookies.clear()
    anonymous = client.get("/play", headers={"Authorization": "", "Accept": "text/html"})
    assert anonymous.status_code == 401
    assert "Open this page from your app" in anonymous.text
    garbage = client.get("/play?access_token=not-a-token", headers={"Authorization": ""})
    assert garbage.status_code == 401
    assert garbage.headers["content-type"] == "application/problem+json"


def test_a_page_speaks_hebrew_right_to_left_when_asked(api: Api, client: TestClient) -> None:
    api.publish_blueprint("language")
    api.event("ana", "lesson.completed", xp=30)
    open_pages(client, token(api, "ana"))
    page = client.get("/play/badges", params={"lang": "he"})
    assert '<html lang="he" dir="rtl">' in page.text
    assert "תגים" in page.text
    assert '<html lang="he" dir="rtl">' in client.get("/play").text  # the choice stays


def test_the_demo_link_opens_the_busiest_player_dashboard(
    api: Api, client: TestClient, settings: Settings
) -> None:
    api.publish_blueprint("language")
    api.event("ben", "lesson.completed", xp=5)
    for _ in range(3):
        api.event("ana", "lesson.completed", xp=30)
    link = demo_link(settings, "http://testserver")
    assert link is not None
    assert link.startswith("http://testserver/play?access_token=")
    assert client.get(link).status_code == 200  # the redirect, then the page
    page = client.get("/play")
    assert 'data-player="ana"' in page.text
    assert page.text.count('class="award"') == 4  # three lessons and a first badge


NAMED_IN_THREE = """
default_locale: he
currencies:
  gems: {spendable: true}
metrics:
  lessons: {count: lesson}
achievements:
  - id: first
    name: {en: First steps, fr: Premiers pas, he: צעדים ראשונים}
    when: "metric.lessons >= 1"
    rewards: {currencies: {gems: 10}}
shop:
  items:
    hint: {name: {en: Hint, fr: Indice, he: רמז}, consumable: true}
  offers:
    - {id: hint, name: {en: Hint, fr: Indice, he: רמז}, price: {gems: 5}, gives: {items: {hint: 1}}}
"""


def test_the_designs_names_follow_the_apis_rule_whatever_language_the_page_speaks(
    api: Api, client: TestClient
) -> None:
    api.publish(NAMED_IN_THREE)
    body = {"type": "lesson", "player": "eva", "profile": {"locale": "fr"}}
    api.post("/v1/events", params={"wait": "true"}, json=body, expect=202)
    api.event("noa", "lesson")  # no locale of her own
    # Eva's locale is one the pages do not speak: the page is in English, but the game's
    # names are in her French.
    client.cookies.clear()
    client.get(f"/play?access_token={token(api, 'eva')}")
    page = client.get("/play", headers={"Accept-Language": "en"}).text
    assert '<html lang="en"' in page
    assert "Premiers pas" in page  # the badge's award
    assert "Indice" in client.get("/play/wallet").text
    # Noa has none: the design's default (Hebrew), on a page in English.
    client.cookies.clear()
    client.get(f"/play?access_token={token(api, 'noa')}")
    assert "צעדים ראשונים" in client.get("/play", headers={"Accept-Language": "en"}).text
    assert "רמז" in client.get("/play/wallet").text
    # A language chosen on the page is asked for, as `?locale=` is of the API.
    assert "First steps" in client.get("/play", params={"lang": "en"}).text
    assert ">Hint<" in client.get("/play/wallet").text  # the choice stays (its cookie)


def test_a_player_who_has_done_nothing_yet_opens_every_page(api: Api, client: TestClient) -> None:
    """A host app links a new user to the pages before their first event: every page of the
    design opens, empty, rather than answering that the player does not exist."""
    api.publish_blueprint("language")
    api.event("ana", "lesson.completed", xp=30)  # someone else has, so the boards have rows
    open_pages(client, token(api, "newcomer"))
    links = set(re.findall(r'<a href="(/play[^"?]*)"', client.get("/play").text))
    assert len(links) == 8
    for path in sorted(links):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        assert 'data-player="newcomer"' in page.text, path
