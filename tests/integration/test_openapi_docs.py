"""The OpenAPI schema tells a client what each model is, shows a valid example of it, and
describes errors as the problem details they are."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from questline.api.app import create_app
from questline.auth.policy import decision_for
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


def test_public_endpoints_ask_for_no_credentials_and_the_others_for_a_bearer_token(
    spec: dict[str, Any],
) -> None:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            access = decision_for(method, path)
            assert access is not None, f"{method} {path} has no access decision"
            public = access.permission is None
            assert bool(operation.get("security")) is not public, f"{method} {path}"


def test_every_operation_documents_the_problems_its_shape_can_answer(
    spec: dict[str, Any],
) -> None:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            assert "503" in documented, f"{method} {path}: the time limit"
            if "requestBody" in operation:
                assert {"400", "408", "413", "422"} <= documented, f"{method} {path}: its body"
            if any(p["in"] == "path" for p in operation.get("parameters", [])):
                assert "404" in documented, f"{method} {path}: what its path names"
            if "429" in documented and operation.get("security"):
                headers = operation["responses"]["429"]["headers"]
                assert headers["Retry-After"]["required"] is True


def test_a_method_a_path_does_not_serve_is_405_naming_every_method_it_does(
    spec: dict[str, Any],
) -> None:
    app = create_app(Settings(database_url="sqlite:///:memory:"))
    client = TestClient(app)
    for path, operations in spec["paths"].items():
        served = sorted(method.upper() for method in operations)
        unserved = next(m for m in ("PATCH", "PUT", "DELETE", "POST", "GET") if m not in served)
        url = re.sub(r"{[^}]+}", "x1", path)
        response = client.request(unserved, url)
        assert response.status_code == 405, f"{unserved} {path}"
        assert response.headers["allow"] == ", ".join(served), f"{unserved} {path}"
        assert response.headers["content-type"] == "application/problem+json"


_DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
_OPERATION = re.compile(r"`((?:GET|POST|PUT|PATCH|DELETE) /[^`\s]*)`")


def _shape(operation: str) -> str:
    """``GET /v1/players/{player_id}`` and ``GET /v1/players/{id}`` are one operation."""
    return re.sub(r"\{[^}]*\}", "{}", operation)


def test_the_endpoint_table_of_the_api_docs_lists_every_operation_and_no_other(
    spec: dict[str, Any],
) -> None:
    table = _DOCS.read_text(encoding="utf-8").split("\n## ", 1)[0]
    documented = {_shape(found) for found in _OPERATION.findall(table)}
    served = {
        _shape(f"{method.upper()} {path}")
        for path, operations in spec["paths"].items()
        for method in operations
    }
    assert sorted(served - documented) == [], "add these to the table atop docs/api.md"
    assert sorted(documented - served) == [], "docs/api.md lists operations that do not exist"


def test_the_api_docs_name_every_audited_action() -> None:
    source = Path(__file__).resolve().parents[2] / "src" / "questline"
    recorded = {
        action
        for path in source.rglob("*.py")
        for action in re.findall(
            r"audit\.record\(\s*\w+,\s*[\w\"]+,\s*\"([a-z_.]+)\"", path.read_text(encoding="utf-8")
        )
    }
    assert len(recorded) > 10  # the pattern still finds the calls
    listed = _DOCS.read_text(encoding="utf-8").split("### GET /v1/audit", 1)[1]
    assert sorted(a for a in recorded if f"`{a}`" not in listed) == []
