"""The problems each operation can answer, in the OpenAPI schema.

Declared here, once, from what an operation is rather than by each router: any operation
can fail unexpectedly (500), time out or find the database down (503); one with a body
can get one that does not parse, arrives too slowly, is too large or is not valid (400,
408, 413, 422); one with parameters, invalid ones (422); one that names a thing in its
path, a thing that does not exist (404); one that needs credentials, missing or
insufficient ones, or too many requests (401, 403, 429).
A route adds only the problems it alone answers: ``responses=problems(409)``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import WithJsonSchema

from questline.api.http.problems import PROBLEM_JSON, PROBLEM_STATUSES
from questline.auth.policy import decision_for

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "description": "`urn:questline:problem:<code>`"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "what went wrong, for a person"},
        "code": {"type": "string", "description": "what went wrong, for a program"},
        "errors": {
            "type": "array",
            "description": "field-level problems, each with its location",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "message": {"type": "string"},
                },
            },
        },
        "request_id": {"type": "string", "description": "the request's X-Request-ID"},
    },
}


# An `error` inside an answer (a refused event of a batch): the same problem details, as
# the errors' own dicts at run time.
ProblemField = Annotated[
    dict[str, Any] | None,
    WithJsonSchema(
        {
            "anyOf": [{"$ref": "#/components/schemas/Problem"}, {"type": "null"}],
            "description": "why the event was refused or failed, as problem details",
        }
    ),
]


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": PROBLEM_STATUSES[status],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def problems_of(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The problems an operation can answer because of what it is, whichever router
    declares it: an unexpected error (500), the time limit and outages (503), its body
    (400, 408, 413, 422), its parameters (422), a thing named in its path (404), and its
    caller (401, 403, 429)."""
    statuses = {500, 503}
    if "requestBody" in operation:
        statuses |= {400, 408, 413, 422}
    parameters = operation.get("parameters", [])
    if parameters:
        statuses.add(422)
    if any(parameter.get("in") == "path" for parameter in parameters):
        statuses.add(404)
    access = decision_for(method, path)
    if access is not None and access.permission is not None:
        statuses |= {401, 403, 429}
    return statuses


def describe_problems(schema: dict[str, Any]) -> None:
    """Give every operation the problems it can answer, each as a ``Problem``; public
    operations say that they ask for no credentials (``security: []``)."""
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            access = decision_for(method, path)
            if access is None or access.permission is None:
                operation["security"] = []
            responses = operation.setdefault("responses", {})
            statuses = problems_of(method, path, operation)
            statuses |= {
                int(code) for code in responses if code.isdigit() and int(code) in PROBLEM_STATUSES
            }
            for status in sorted(statuses):
                declared = responses.get(str(status))
                # FastAPI's own 422 describes its validation error, not the problem sent;
                # a route that describes a body of its own (`/ready`'s 503) keeps it.
                if declared is None or status == 422 or "content" not in declared:
                    responses[str(status)] = _problem_response(status)
                else:  # it may answer a problem too (at the time limit, say)
                    declared["content"].setdefault(
                        PROBLEM_JSON, _problem_response(status)["content"][PROBLEM_JSON]
                    )
            operation["responses"] = dict(sorted(responses.items()))
