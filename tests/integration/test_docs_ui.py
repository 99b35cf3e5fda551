"""/docs and /redoc work on a server with no internet access: every script, style sheet
and icon they load is served by Questline itself."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from questline.api.app import create_app
from questline.settings import Settings

# Where a page can make the browser fetch something: attributes, and Swagger UI's options.
_FETCHED = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|url:\s*["']([^"']+)["']""")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("/docs", {"/openapi.json", "/docs/assets/swagger-ui-bundle.js"}),
        ("/redoc", {"/openapi.json", "/docs/assets/redoc.standalone.js"}),
    ],
)
def test_a_docs_page_loads_everything_from_questline(
    client: TestClient, page: str, expected: set[str]
) -> None:
    answer = client.get(page)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    fetched = {a or b for a, b in _FETCHED.findall(answer.text)}
    assert expected <= fetched
    assert [url for url in fetched if not url.startswith("/")] == []
    assert "validator.swagger.io" not in answer.text
    for url in fetched:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 0, url


def test_the_assets_are_the_real_bundles(client: TestClient) -> None:
    script = client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert "SwaggerUIBundle" in script.text
    assert "Redoc" in client.get("/docs/assets/redoc.standalone.js").text
    assert client.get("/docs/assets/swagger-ui.css").headers["content-type"].startswith("text/css")
    assert client.get("/docs/assets/nothing.js").status_code == 404
