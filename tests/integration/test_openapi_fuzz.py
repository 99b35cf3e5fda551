"""Requests generated from the OpenAPI schema: whatever they hold, none gets a 5xx, and
every answer matches the schema's status codes and content types."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from questline.api.app import create_app
from questline.auth.policy import Role
from tests.conftest import ADMIN_KEY
from tests.integration.conftest import make_settings
from tests.support.accounts import PASSWORD, add_user

EXAMPLES = 25  # per operation: enough to find crashes, quick enough for every run
DESIGN = b"""
currencies: {xp: {}}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
"""


@pytest.fixture
def served(database_url: str) -> Iterator[TestClient]:
    url = database_url
    add_user(url, "owner@example.com", Role.OWNER)
    app = create_app(make_settings(url))
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
        client.put(
            "/v1/config", content=DESIGN, headers={**headers, "Content-Type": "application/yaml"}
        ).raise_for_status()
        client.post(
            "/v1/events",
            params={"wait": "true"},
            json={"type": "did", "player": "zoe"},
            headers=headers,
        ).raise_for_status()
        yield client


def test_no_generated_request_gets_a_server_error(served: TestClient) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", served.app)
    signed_in = served.post(
        "/v1/auth/login", json={"email": "owner@example.com", "password": PASSWORD}
    )
    # An owner may call every endpoint, so the requests reach the code behind each one.
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    # Revoking keys last, so that the key the fixture set up with stays usable throughout.
    operations.sort(key=lambda operation: operation.label == "DELETE /v1/keys/{key_id}")
    tried = []
    for operation in operations:
        tried.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,  # the same requests every run: a failure is reproducible
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        no_server_error()
    assert len(tried) >= 20  # the whole schema was walked
