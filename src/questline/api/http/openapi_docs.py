"""The OpenAPI schema as clients read it: every model described and shown by example,
and errors described as the problem details they are (``openapi_problems``).

Models may carry their own docstring and ``json_schema_extra`` examples; those of
``openapi_examples`` (and of the design and module models) fill in for models that do
not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from questline.api.http.openapi_designs import design_docs
from questline.api.http.openapi_examples import DOCS
from questline.api.http.openapi_problems import PROBLEM_SCHEMA, describe_problems
from questline.api.http.openapi_shapes import (
    describe_headers,
    hoist_definitions,
    optional_bodies,
)


def document(
    app: FastAPI, module_docs: Callable[[], dict[str, tuple[str, Any]]] | None = None
) -> dict[str, Any]:
    """Build the schema once: FastAPI's, with the descriptions, examples and error
    responses filled in (`module_docs`: those of the bounded modules' own models)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components["Problem"] = dict(PROBLEM_SCHEMA)
    hoist_definitions(schema)
    optional_bodies(schema)
    docs = design_docs() | (module_docs() if module_docs is not None else {}) | DOCS
    for name, component in components.items():
        description, example = docs.get(name, ("", None))
        if description and "description" not in component:
            component["description"] = description
        if example is not None and "examples" not in component and "example" not in component:
            component["examples"] = [example]
    describe_problems(schema)
    describe_headers(schema)
    app.openapi_schema = schema
    return schema


def install(
    app: FastAPI, module_docs: Callable[[], dict[str, tuple[str, Any]]] | None = None
) -> None:
    app.openapi = lambda: document(app, module_docs)  # type: ignore[method-assign]
