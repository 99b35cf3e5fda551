"""Requests generated from the OpenAPI schema: whatever they hold, none gets a 5xx, and
every answer conforms to the schema: a documented status code, its content type, a body
that matches its schema, and its required headers; public endpoints need no credentials
and the others refuse requests without them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from questline.api.app import create_app
from questline.auth.policy import Role
from tests.conftest import ADMIN_KEY
from tests.integration.conftest import make_settings
from tests.support.accounts import PASSWORD, add_user

EXAMPLES = 15  # per operation: enough to find crashes, quick enough for every run
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


def test_every_answer_to_a_generated_request_conforms_to_the_schema(served: TestClient) -> None:
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
        def conforms(case: schemathesis.Case) -> None:
            # Every default check but one: a request the schema allows may still be refused
            # for what it means (an unknown item, a cursor this server never gave out, a
            # time zone that does not exist), and that 422 is the answer the API intends.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        conforms()
    assert len(tried) >= 20  # the whole schema was walked
