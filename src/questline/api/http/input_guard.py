"""Refuse text no database can store — NUL characters (PostgreSQL cannot), lone UTF-16
surrogates (not characters at all) — before any endpoint sees it, so that both databases
answer the same clear 422 (the HTTP edge, `edge.HttpEdge`, sends it)."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.types import Scope

from questline.api.http.problems import problem
from questline.documents import unstorable_text

# How JSON text writes a NUL or a surrogate. Only a hint: `"\\u0000"` is a backslash
# followed by "u0000", which is fine, and a surrogate pair is one character once decoded;
# so a body with the hint is decoded and its text checked.
_ESCAPED = re.compile(rb"\\u(?:0000|d[89a-f])", re.IGNORECASE)
_NUL = "{where} contains a NUL character (U+0000), which text may not hold"


def unstorable_in(scope: Scope, body: bytes) -> tuple[str, list[dict[str, Any]] | None] | None:
    """Why the request's URL or (whole, already read) body cannot be stored — the 422's
    detail and the errors with their locations — or None if it can."""
    raw_path = scope.get("raw_path") or scope["path"].encode()
    if _holds_nul(raw_path) or _holds_nul(scope.get("query_string", b"")):
        return _NUL.format(where="the URL"), None
    if b"\x00" in body:
        return _NUL.format(where="the body"), None
    if _ESCAPED.search(body) and (unstorable := _decoded_problem(body)) is not None:
        where, problem = unstorable
        return f"the body {problem}", [{"loc": where, "message": problem}] if where else None
    return None


def _holds_nul(url_part: bytes) -> bool:
    # What `unquote_to_bytes(url_part)` would hold a NUL for, without decoding the rest.
    return b"\x00" in url_part or b"%00" in url_part


def _decoded_problem(body: bytes) -> tuple[list[Any], str] | None:
    """What a JSON body holds that cannot be stored, once decoded, and where. Other bodies
    (a YAML design) are decoded, and checked the same way, by the endpoint that reads them."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON: its endpoint says so
    return unstorable_text(document)


def install_data_error_handler(app: FastAPI) -> None:
    """A value the database cannot store (a number out of range, a NUL inside a YAML
    string) is the input's fault: 422, and the transaction has rolled back."""

    @app.exception_handler(DataError)
    async def _data_error(request: Request, error: DataError) -> JSONResponse:
        reason = str(error.orig).splitlines()[0] if error.orig is not None else "invalid value"
        return problem(
            request,
            status=422,
            code="invalid_input",
            title="The request is not valid",
            detail=f"a value cannot be stored: {reason}",
        )
