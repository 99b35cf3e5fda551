"""A console user's browser over TestClient: signs in through the form and keeps its own
session cookie and CSRF token, so several users can share one test client."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

from questline.api.access import CONSOLE_COOKIE, CSRF_FIELD
from tests.support.accounts import PASSWORD

HTML = {"Accept": "text/html"}


def csrf_in(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "the page has no form with a CSRF token"
    return found[1]


class Browser:
    def __init__(self, client: TestClient, email: str, password: str = PASSWORD) -> None:
        self.client = client
        client.cookies.clear()
        form = client.get("/console/sign-in", headers=HTML)
        assert form.status_code == 200, form.text
        signed_in = client.post(
            "/console/sign-in",
            data={"email": email, "password": password, CSRF_FIELD: csrf_in(form.text)},
            headers=HTML,
            follow_redirects=False,
        )
        assert signed_in.status_code == 303, signed_in.text
        self.cookie = client.cookies.get(CONSOLE_COOKIE, path="/console")
        assert self.cookie
        page = client.get("/console/design", headers=HTML)
        assert page.status_code == 200, page.text
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)[1]  # type: ignore[index]

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self.client.cookies.clear()
        self.client.cookies.set(CONSOLE_COOKIE, self.cookie, path="/console")
        kwargs.setdefault("follow_redirects", False)
        return self.client.request(method, path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, headers=HTML, **kwargs)

    def post(
        self, path: str, data: dict[str, str] | None = None, *, csrf: bool = True
    ) -> httpx.Response:
        fields = {**(data or {}), **({CSRF_FIELD: self.csrf} if csrf else {})}
        return self.request("POST", path, data=fields, headers=HTML)
