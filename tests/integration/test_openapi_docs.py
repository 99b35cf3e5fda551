"""The OpenAPI schema tells a client what each model is, shows a valid example of it, and
describes errors as the problem details they are."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from questline.api.app import create_app
from questline.settings import Settings


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    app = create_app(Settings(database_url="sqlite:///:memory:"))
    # What clients are served (no lifespan needed: the schema needs no database).
    served: dict[str, Any] = TestClient(app).get("/openapi.json").json()
    return served


def test_every_model_has_a_description_and_a_valid_example(spec: dict[str, Any]) -> None:
    components = spec["components"]["schemas"]
    for name, component in components.items():
        assert component.get("description"), f"{name} has no description"
        examples = component.get("examples") or [component.get("example")]
        assert examples[0] is not None, f"{name} has no example"
        validator = jsonschema_rs.validator_for({**component, "components": spec["components"]})
        for example in examples:
            errors = [error.message for error in validator.iter_errors(example)]
            assert errors == [], f"the example of {name} does not fit it: {errors}"


def test_every_operation_says_what_it_does_and_how_it_fails(spec: dict[str, Any]) -> None:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    assert list(response["content"]) == ["application/problem+json"], (
                        f"{method} {path} {status}"
                    )
            if operation.get("security"):
                assert {"401", "403", "429"} <= set(operation["responses"])
