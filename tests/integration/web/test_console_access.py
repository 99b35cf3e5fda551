"""The console's sign-in, session and CSRF protection, and its role matrix: every console
route, as every role, is allowed or refused exactly as the API route it does the work of
(`auth.policy.CONSOLE_POLICY`); every write without the session's CSRF token is refused
and writes nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from questline.api.access import CONSOLE_COOKIE
from questline.auth.policy import CONSOLE_POLICY, POLICY, ROLE_PERMISSIONS, Role
from questline.settings import Settings
from tests.conftest import ADMIN_KEY
from tests.integration.conftest import Api
from tests.integration.web.console_client import HTML, Browser
from tests.support.accounts import add_user

PATH_VALUES = {
    "run_id": "999999",
    "first": "1",
    "second": "1",
    "schedule_id": "999999",
    "player_id": "zoe",
    "key": "practice",
    "key_id": "999999",
    "email": "nobody@example.com",
    "webhook_id": "999999",
    "delivery_id": "999999",
    "tier": "bronze",
    "group_id": "999999",
}


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: PATH_VALUES[match[1]], path)


@pytest.fixture
def browsers(settings: Settings, api: Api, client: TestClient) -> dict[Role, Browser]:
    api.publish_blueprint("skillquest")
    for role in Role:
        add_user(settings.database_url, f"{role.value}@example.com", role)
    return {role: Browser(client, f"{role.value}@example.com") for role in Role}


def versions(api: Api) -> int:
    return len(api.get("/v1/config/versions", expect=200).json()["data"])


def test_every_console_route_is_in_the_policy_and_follows_an_api_route() -> None:
    for route, access in CONSOLE_POLICY.items():
        assert POLICY[route] is access
        if access.permission is not None:
            assert access.console, route


def test_every_role_gets_exactly_what_the_api_policy_grants(
    browsers: dict[Role, Browser], api: Api
) -> None:
    wrong = []
    for route, access in CONSOLE_POLICY.items():
        method, path = route.split(" ", 1)
        if access.permission is None or route == "POST /console/sign-out":
            continue
        for role, browser in browsers.items():
            if method == "GET":
                answer = browser.get(concrete(path))
            else:  # empty forms: allowed ones refuse the input (4xx) and write nothing
                answer = browser.post(concrete(path), {"source": "", "version": "999"})
            assert answer.status_code < 500, f"{route} as {role}: {answer.text}"
            allowed = answer.status_code not in (401, 403)
            if allowed != (access.permission in ROLE_PERMISSIONS[role]):
                wrong.append(f"{route} as {role.value}: {answer.status_code}")
    assert wrong == []
    assert versions(api) == 1


def test_a_viewer_sees_no_publish_button_and_cannot_publish(
    browsers: dict[Role, Browser], api: Api
) -> None:
    viewer = browsers[Role.VIEWER]
    page = viewer.get("/console/design")
    assert page.status_code == 200
    assert 'formaction="/console/design/publish"' not in page.text
    assert "readonly" in page.text
    source = api.get("/v1/config", expect=200).json()
    refused = viewer.post("/console/design/publish", {"source": "currencies: {xp: {}}"})
    assert refused.status_code == 403
    assert "lacks the &#39;config:write&#39; permission" in refused.text
    assert versions(api) == 1
    assert source["version"] == 1
    editor = browsers[Role.EDITOR].get("/console/design")
    assert 'formaction="/console/design/publish"' in editor.text


def test_every_write_without_the_sessions_csrf_token_is_refused(
    browsers: dict[Role, Browser], api: Api
) -> None:
    owner = browsers[Role.OWNER]
    writes = [r for r, a in CONSOLE_POLICY.items() if a.console and r.startswith("POST ")]
    assert writes
    fields = {"source": "currencies: {xp: {}}", "comment": "sneaky", "version": "1"}
    wrong = []
    for route in writes:
        path = concrete(route.split(" ", 1)[1])
        tokens = {
            "no token": {},
            "a made-up token": {"csrf_token": "not-the-token"},
            "another session's token": {"csrf_token": browsers[Role.ADMIN].csrf},
        }
        for label, token in tokens.items():
            answer = owner.post(path, {**fields, **token}, csrf=False)
            if answer.status_code != 403 or "CSRF token is missing or wrong" not in answer.text:
                wrong.append(f"{route} with {label}: {answer.status_code}")
    assert wrong == []
    assert versions(api) == 1
    assert owner.get("/console/design").status_code == 200  # still signed in


def test_the_editor_script_sends_the_token_as_a_header(browsers: dict[Role, Browser]) -> None:
    editor = browsers[Role.EDITOR]
    sent = {"json": {"source": "currencies: {xp: {}}"}, "headers": {"Accept": "application/json"}}
    refused = editor.request("POST", "/console/design/validate", **sent)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    checked = editor.request(
        "POST",
        "/console/design/validate",
        json=sent["json"],
        headers={"X-CSRF-Token": editor.csrf, "Accept": "application/json"},
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["valid"] is True


def test_the_session_cookie_is_http_only_scoped_and_ends_at_sign_out(
    client: TestClient, settings: Settings
) -> None:
    add_user(settings.database_url, "ada@example.com", Role.EDITOR)
    client.cookies.clear()
    form = client.get("/console/sign-in", headers=HTML)
    assert "frame-ancestors 'none'" in form.headers["content-security-policy"]
    assert "unsafe-inline" not in form.headers["content-security-policy"]
    assert form.headers["x-frame-options"] == "DENY"
    browser = Browser(client, "ada@example.com")
    signed_in_cookie = browser.cookie
    page = browser.get("/console/design")
    assert page.status_code == 200
    assert "ada@example.com" in page.text

    out = browser.post("/console/sign-out")
    assert out.status_code == 303
    assert out.headers["location"] == "/console/sign-in"
    assert f'{CONSOLE_COOKIE}=""' in out.headers["set-cookie"]
    browser.cookie = signed_in_cookie  # a copy of the cookie kept from before
    again = browser.get("/console/design")
    assert again.status_code == 303
    assert again.headers["location"] == "/console/sign-in?next=%2Fconsole%2Fdesign"


def test_sign_in_sets_a_cookie_only_for_the_console(client: TestClient, settings: Settings) -> None:
    add_user(settings.database_url, "bo@example.com", Role.VIEWER)
    client.cookies.clear()
    form = client.get("/console/sign-in?next=/console/design/versions", headers=HTML)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]  # type: ignore[index]
    answer = client.post(
        "/console/sign-in",
        data={
            "email": "bo@example.com",
            "password": "correct horse battery staple",
            "csrf_token": token,
            "next": "/console/design/versions",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/design/versions"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(CONSOLE_COOKIE))
    assert "HttpOnly" in cookie
    assert "Path=/console" in cookie
    assert "SameSite=lax" in cookie
    assert "expires=" in cookie


def test_a_wrong_password_another_site_or_a_missing_form_token_signs_no_one_in(
    client: TestClient, settings: Settings
) -> None:
    add_user(settings.database_url, "cy@example.com", Role.OWNER)
    client.cookies.clear()
    form = client.get("/console/sign-in", headers=HTML)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]  # type: ignore[index]
    wrong = client.post(
        "/console/sign-in",
        data={"email": "cy@example.com", "password": "not it", "csrf_token": token},
        headers=HTML,
    )
    assert wrong.status_code == 401
    assert "The email or the password is wrong." in wrong.text
    client.cookies.clear()  # a form posted from another site carries no sign-in cookie
    forged = client.post(
        "/console/sign-in",
        data={
            "email": "cy@example.com",
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert f"{CONSOLE_COOKIE}=" not in forged.headers.get("set-cookie", "")
    sneaky = client.get("/console/sign-in?next=//evil.example/console/", headers=HTML)
    assert 'name="next" value="/console/design"' in sneaky.text


def test_an_api_credential_opens_no_console_page(client: TestClient) -> None:
    client.cookies.clear()
    answer = client.get("/console/design", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
