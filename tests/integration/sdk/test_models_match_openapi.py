"""The client's models against the server's OpenAPI schema, so the two cannot drift:
every field a model declares exists in the server's schema of the same thing with a
type that fits, and every field the server always sends (or always needs) is declared.

Server schemas are found by name at the top and by following the server's own `$ref`s
below, so it does not matter where a nested schema is defined or what it is called.
"""

from __future__ import annotations

import datetime as dt
import inspect
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import pytest
from pydantic import AwareDatetime, BaseModel

import questline_client
from questline.api.app import create_app
from questline_client import APIError
from questline_client import models as m
from tests.integration.conftest import make_settings

# What the server sends: client model -> the server's schema of it.
ANSWERS: dict[type[BaseModel], str] = {
    m.EventAccepted: "EventAccepted",
    m.BatchResult: "BatchResult",
    m.EventDetails: "EventOut",
    m.Player: "PlayerOut",
    m.Page[m.LedgerEntry]: "LedgerPage",
    m.Page[m.PlayerAchievement]: "PlayerAchievementList",
    m.Page[m.Streak]: "StreakList",
    m.Page[m.PlayerQuest]: "PlayerQuestList",
    m.ScoreList: "ScoreList",
    m.Score: "ScoreOut",
    m.LeaderboardPage: "BoardPage",
    m.PlayerToken: "PlayerToken",
    m.Page[m.Notification]: "NotificationPage",
    m.Follow: "FollowOut",
    m.Page[m.Link]: "LinkPage",
    m.SocialProfile: "SocialProfileOut",
    m.ActivityPage: "EntryPage",
    m.Cheer: "CheerOut",
}
# What the client sends: client model -> the server's schema of what it takes.
REQUESTS: dict[type[BaseModel], str] = {m.Event: "EventIn"}
# Not in the API's schema: a webhook's body is the webhook's, documented in docs/.
NOT_IN_SCHEMA = {m.WebhookMessage}
ALL = {"string", "integer", "number", "boolean", "null", "object", "array"}


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    database = Path(tmp_path_factory.mktemp("db")) / "questline.db"
    document = create_app(make_settings(f"sqlite:///{database}")).openapi()
    return dict(document["components"]["schemas"])


def resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema or ("allOf" in schema and len(schema["allOf"]) == 1):
        schema = (
            schemas[schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else schema["allOf"][0]
        )
    return schema


def branches(schema: dict[str, Any], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives of a schema (anyOf/oneOf), each resolved."""
    schema = resolve(schema, schemas)
    found = schema.get("anyOf") or schema.get("oneOf")
    if found:
        return [b for s in found for b in branches(s, schemas)]
    return [schema]


def server_types(schema: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    kinds: set[str] = set()
    for branch in branches(schema, schemas):
        kind = branch.get("type")
        if kind is None:
            kind = "object" if "properties" in branch else sorted(ALL)
        kinds |= {kind} if isinstance(kind, str) else set(kind)
    return kinds


def client_types(annotation: Any) -> set[str]:
    """The JSON types a client annotation takes."""
    origin = get_origin(annotation)
    if annotation is Any:
        return set(ALL)
    if origin in (Union, types.UnionType):
        return set().union(*(client_types(a) for a in get_args(annotation)))
    if origin is Literal:
        return set().union(*(client_types(type(v)) for v in get_args(annotation)))
    if get_origin(annotation) is not None and get_args(annotation)[:1] and origin is type:
        return set(ALL)
    simple: dict[Any, set[str]] = {
        str: {"string"},
        bool: {"boolean"},
        int: {"integer"},
        float: {"number", "integer"},
        type(None): {"null"},
        dt.datetime: {"string"},
        dt.date: {"string"},
        AwareDatetime: {"string"},
        dict: {"object"},
        list: {"array"},
    }
    base = origin or annotation
    if base in simple:
        return simple[base]
    if inspect.isclass(base) and issubclass(base, BaseModel):
        return {"object"}
    if getattr(annotation, "__metadata__", None) is not None:  # Annotated[...]
        return client_types(get_args(annotation)[0])
    raise AssertionError(f"no JSON type known for {annotation!r}")


def nested_models(annotation: Any, schema: dict[str, Any], schemas: dict[str, Any]) -> list[Any]:
    """(model, the server's schema of it) pairs inside a field: directly, in a list or
    as a mapping's values."""
    found: list[Any] = []
    args = get_args(annotation)
    origin = get_origin(annotation)
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        objects = [b for b in branches(schema, schemas) if server_types(b, schemas) == {"object"}]
        assert len(objects) == 1, f"{annotation.__name__}: no single object schema"
        return [(annotation, objects[0])]
    for branch in branches(schema, schemas):
        if origin in (Union, types.UnionType):
            for arg in args:
                if arg is not type(None) and server_types(branch, schemas) & client_types(arg):
                    found += nested_models(arg, branch, schemas)
        elif origin is list and "items" in branch:
            found += nested_models(args[0], branch["items"], schemas)
        elif origin is dict and isinstance(branch.get("additionalProperties"), dict):
            found += nested_models(args[1], branch["additionalProperties"], schemas)
    return found


def check(
    model: type[BaseModel], schema: dict[str, Any], schemas: dict[str, Any], sending: bool
) -> set[type[BaseModel]]:
    """Problems raise; the models checked (this one and those nested in it) return."""
    schema = resolve(schema, schemas)
    name = model.__name__
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    checked = {model}
    for field, info in model.model_fields.items():
        assert field in properties, f"{name}.{field} is not in the server's schema"
        theirs = server_types(properties[field], schemas)
        ours = client_types(info.annotation)
        if sending:  # everything the client may send, the server takes (None is left out)
            assert ours - {"null"} <= theirs, f"{name}.{field}: sends {ours}, takes {theirs}"
        else:  # everything the server may send, the client takes
            assert theirs <= ours, f"{name}.{field}: server sends {theirs}, client takes {ours}"
            assert not info.is_required() or field in required, (
                f"{name}.{field} is required by the client but not always sent"
            )
        for inner, inner_schema in nested_models(info.annotation, properties[field], schemas):
            checked |= check(inner, inner_schema, schemas, sending)
    missing = required - set(model.model_fields)
    assert not missing, f"{name} lacks the server's required fields {sorted(missing)}"
    if sending:
        needed = {f for f, i in model.model_fields.items() if i.is_required()}
        assert needed <= required, f"{name} requires {needed - required}; the server does not"
    return checked


def test_every_model_of_the_client_matches_the_servers_schema(schemas: dict[str, Any]) -> None:
    checked: set[type[BaseModel]] = set()
    for model, name in ANSWERS.items():
        assert name in schemas, f"the server has no schema named {name}"
        checked |= check(model, schemas[name], schemas, sending=False)
    for model, name in REQUESTS.items():
        assert name in schemas, f"the server has no schema named {name}"
        checked |= check(model, schemas[name], schemas, sending=True)

    exported = {
        value
        for value in vars(questline_client).values()
        if inspect.isclass(value) and issubclass(value, BaseModel)
    }
    # Page is checked as the pages it makes (Page[LedgerEntry], …).
    origins = {c.__pydantic_generic_metadata__["origin"] or c for c in checked}
    unchecked = exported - origins - checked - NOT_IN_SCHEMA
    assert not unchecked, f"models never checked against the schema: {unchecked}"


def test_a_problem_is_read_field_by_field(schemas: dict[str, Any]) -> None:
    fields = set(schemas["Problem"]["properties"])
    assert fields == {"type", "title", "status", "detail", "code", "errors", "request_id"}
    error = APIError(status=422)
    assert all(hasattr(error, field) for field in fields)
