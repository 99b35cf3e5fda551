"""RFC 9457 problem details for every failure, whatever raised it."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope, Send

from questline.errors import QuestlineError

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"

# What each problem status means, as the OpenAPI schema tells clients. The schema gives
# every operation the ones its shape implies (see ``openapi_docs``); a route declares only
# those it alone can answer, with ``responses=problems(409)``.
PROBLEM_STATUSES: dict[int, str] = {
    400: "the body could not be parsed (`malformed_body`)",
    401: "no credentials, or unknown, revoked or expired ones (`unauthorized`)",
    403: "the caller may not do this (`forbidden`)",
    404: "there is no such thing (`not_found`)",
    408: "the body did not arrive within the time limit; the connection is closed"
    " (`request_timeout`)",
    409: "the change conflicts with what exists (`conflict`)",
    413: "the body is over the size limit (`payload_too_large`)",
    422: "the request is not valid; `errors` says where (`invalid_input`, `invalid_design`)",
    429: "over a rate limit or the sign-in limit; retry after `Retry-After` seconds"
    " (`too_many_requests`)",
    500: "an unexpected error, logged with the request id (`internal_error`)",
    503: "no answer within the time limit, or a dependency is unreachable; retry, with the"
    " same idempotency keys (`timeout`, `unavailable`)",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: problems it answers beyond those every route of its
    shape does (the schema adds the content, ``Problem``)."""
    return {status: {"description": PROBLEM_STATUSES[status]} for status in statuses}


def problem_body(
    status: int,
    code: str,
    title: str,
    detail: str,
    request_id: str | None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:questline:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    if request_id:
        body["request_id"] = request_id
    return body


def problem(
    request: Request | None,
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None) if request is not None else None
    body = problem_body(status, code, title, detail, request_id, errors)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def send_problem(
    scope: Scope,
    send: Send,
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: Sequence[tuple[bytes, bytes]] = (),
    errors: list[dict[str, Any]] | None = None,
) -> None:
    """`problem` for ASGI middleware, which answers before (or instead of) the app."""
    request_id = scope.get("state", {}).get("request_id")
    payload = json.dumps(problem_body(status, code, title, detail, request_id, errors)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def allowed_methods(request: Request) -> str | None:
    """Every method the schema documents at this request's path, for a 405's ``Allow``
    (Starlette's own names those of one route of the path, one method of several)."""
    template = getattr(request.scope.get("route"), "path_format", None)
    schema = await run_in_threadpool(request.app.openapi)  # built once, then kept
    operations = schema.get("paths", {}).get(template)
    return ", ".join(sorted(method.upper() for method in operations)) if operations else None


def _validation_errors(
    error: RequestValidationError,
) -> tuple[int, str, str, str, list[dict[str, Any]]]:
    found: list[dict[str, Any]] = []
    for item in error.errors():
        if item.get("type") == "json_invalid":
            context = item.get("ctx") or {}
            where = item.get("loc", ["body", 0])
            position = where[-1] if isinstance(where[-1], int) else None
            detail = f"the body is not valid JSON: {context.get('error', 'parse error')}"
            if position is not None:
                detail += f" at position {position}"
            return 400, "malformed_body", "The request body could not be parsed", detail, []
        found.append(
            {
                "loc": [part for part in item.get("loc", ()) if part != "body"] or ["body"],
                "message": item.get("msg", "invalid"),
                "type": item.get("type", "invalid"),
            }
        )
    detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['message']}" for e in found[:5])
    return 422, "invalid_input", "The request is not valid", detail, found


def _unparsed_body(error: StarletteHTTPException) -> str | None:
    """What was wrong with a body FastAPI could not parse as JSON (it answers a bare 400
    for anything but a syntax error), or None if that is not what happened."""
    cause = error.__cause__
    if error.status_code != 400 or cause is None:
        return None
    if isinstance(cause, UnicodeDecodeError):
        return f"the body is not UTF-8 text: byte {cause.start} cannot be decoded"
    if isinstance(cause, RecursionError):
        return "the body is not valid JSON: it is nested too deeply"
    return None


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(QuestlineError)
    async def _domain(request: Request, error: QuestlineError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
        headers |= getattr(error, "headers", {})  # e.g. Retry-After on 429
        return problem(
            request,
            status=error.status,
            code=error.code,
            title=error.title,
            detail=error.detail,
            errors=error.errors,
            headers=headers or None,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        status, code, title, detail, errors = _validation_errors(error)
        return problem(request, status=status, code=code, title=title, detail=detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if (unparsed := _unparsed_body(error)) is not None:
            title = "The request body could not be parsed"
            return problem(request, status=400, code="malformed_body", title=title, detail=unparsed)
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}
        headers = dict(error.headers) if error.headers else {}
        if error.status_code == 405:
            headers["Allow"] = await allowed_methods(request) or headers.get("Allow", "")
        return problem(
            request,
            status=error.status_code,
            code=codes.get(error.status_code, "http_error"),
            title=str(error.detail) if error.status_code != 404 else "Not found",
            detail=f"{request.method} {request.url.path}: {error.detail}",
            headers=headers or None,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        # This handler runs outside the request-id middleware: name the request explicitly.
        request_id = getattr(request.state, "request_id", None)
        log.exception("unhandled error", exc_info=error, extra={"request_id": request_id})
        return problem(
            request,
            status=500,
            code="internal_error",
            title="Internal error",
            detail="an unexpected error occurred; it has been logged with this request id",
        )
