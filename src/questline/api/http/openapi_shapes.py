"""The OpenAPI schema in the shapes client generators read: every model a component that
every ``$ref`` reaches, optional bodies that are simply not required, and the headers each
answer carries.

Generators (openapi-python-client, datamodel-code-generator, openapi-generator) resolve
``$ref`` against ``components.schemas`` only: a model left in a body's ``$defs`` makes them
drop the operation or fall back to ``Any``. ``component_ref`` puts a model of its own
(a game design, a course) in the schema with its sub-models in ``$defs``, and
``hoist_definitions`` moves every ``$defs`` into the components.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, TypeAdapter

REF = "#/components/schemas/{model}"
# A document body may also be sent as YAML. The schema lists only JSON: generators that
# meet a second media type warn, or write a function that cannot be imported
# (openapi-python-client 0.29), and YAML adds nothing a JSON client can use.
YAML_TOO = (
    "{document} as JSON; the server also reads it as YAML text, sent with"
    " `Content-Type: application/yaml` (YAML 1.2: `on:` stays the string `on`)"
)
_REF_PREFIX = "#/components/schemas/"


def component_ref(model: type[BaseModel], name: str | None = None) -> dict[str, Any]:
    """A ``$ref`` to ``model`` as a component, carrying the model and its sub-models in
    ``$defs`` for ``hoist_definitions`` to move to the components."""
    schema = model.model_json_schema(ref_template=REF)
    definitions = schema.pop("$defs", {})
    name = name or model.__name__
    return {"$ref": REF.format(model=name), "$defs": {**definitions, name: schema}}


def type_component(name: str, adapter: TypeAdapter[Any]) -> dict[str, Any]:
    """``component_ref`` for a type that is not a model (a discriminated union)."""
    schema = adapter.json_schema(ref_template=REF)
    definitions = schema.pop("$defs", {})
    return {"$ref": REF.format(model=name), "$defs": {**definitions, name: schema}}


def hoist_definitions(schema: dict[str, Any]) -> None:
    """Move every ``$defs`` of the document into ``components.schemas``. A definition
    named like a component that differs from it is a mistake in the code: two models
    of one name would be one model to a client, so building the schema fails."""
    components: dict[str, Any] = schema.setdefault("components", {}).setdefault("schemas", {})
    pending: list[Any] = [schema]
    while pending:
        node = pending.pop()
        definitions = node.pop("$defs", None) if isinstance(node, dict) else None
        if definitions:
            for name, definition in definitions.items():
                pending.append(definition)
                known = components.get(name)
                if known is None:
                    components[name] = definition
                elif _without_docs(known) != _without_docs(definition):
                    raise ValueError(f"two different schemas are named {name!r}")
        children = node.values() if isinstance(node, dict) else node
        pending.extend(child for child in children if isinstance(child, dict | list))


def _without_docs(schema: Any) -> Any:
    """A schema without what ``openapi_docs`` adds to components (descriptions, examples)."""
    if isinstance(schema, dict):
        return {
            key: _without_docs(value)
            for key, value in schema.items()
            if key not in ("description", "examples", "$defs")
        }
    if isinstance(schema, list):
        return [_without_docs(item) for item in schema]
    return schema


def unresolved_refs(schema: dict[str, Any]) -> list[str]:
    """Every ``$ref`` of the document that names no component."""
    components = schema.get("components", {}).get("schemas", {})
    found: list[str] = []
    pending: list[Any] = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and (
                not ref.startswith(_REF_PREFIX) or ref.removeprefix(_REF_PREFIX) not in components
            ):
                found.append(ref)
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return sorted(set(found))


def optional_bodies(schema: dict[str, Any]) -> None:
    """A body that may be left out is one that is not required, whose schema is the model:
    FastAPI writes "the model or null", which generated clients can only send as a JSON
    ``null`` (and some cannot send at all)."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            body = operation.get("requestBody")
            if body is None or body.get("required"):
                continue
            for media in body.get("content", {}).values():
                variants = media.get("schema", {}).get("anyOf", [])
                models = [v for v in variants if v != {"type": "null"}]
                if len(variants) == 2 and len(models) == 1:
                    media["schema"] = models[0]
            body["required"] = False


REQUEST_ID_HEADER: dict[str, Any] = {
    "description": "the request's id: the client's `X-Request-ID` if it sent a sane one,"
    " else a new one; a problem carries it as `request_id`",
    "required": True,
    "schema": {"type": "string"},
}
RATE_LIMIT_HEADERS: dict[str, Any] = {
    "RateLimit-Limit": {
        "description": "requests allowed in the window (when a rate limit applies)",
        "schema": {"type": "integer"},
    },
    "RateLimit-Remaining": {
        "description": "requests left in the window (when a rate limit applies)",
        "schema": {"type": "integer"},
    },
    "RateLimit-Reset": {
        "description": "seconds until the window resets (when a rate limit applies)",
        "schema": {"type": "integer"},
    },
}


def retry_after_header(status: int) -> dict[str, Any]:
    return {
        "description": "seconds to wait before trying again",
        # A 429 always says when; a 503 does when a dependency is down, not at the time limit.
        "required": status == 429,
        "schema": {"type": "integer"},
    }


def describe_headers(schema: dict[str, Any]) -> None:
    """Every answer carries ``X-Request-ID``; answers to a caller counted against a rate
    limit carry ``RateLimit-*``; a 429 or 503 carries ``Retry-After``."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            counted = bool(operation.get("security"))
            for code, response in operation.get("responses", {}).items():
                headers = response.setdefault("headers", {})
                headers["X-Request-ID"] = REQUEST_ID_HEADER
                if counted:
                    headers.update(RATE_LIMIT_HEADERS)
                if code in ("429", "503"):
                    headers["Retry-After"] = retry_after_header(int(code))
