"""Refuse text no database can store — NUL characters (PostgreSQL cannot), lone UTF-16
surrogates (not characters at all) — before any endpoint sees it, so that both databases
answer the same clear 422."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from questline.api.http.problems import problem, send_problem
from questline.documents import unstorable_text

# How JSON text writes a NUL or a surrogate. Only a hint: `"\\u0000"` is a backslash
# followed by "u0000", which is fine, and a surrogate pair is one character once decoded;
# so a body with the hint is decoded and its text checked.
_ESCAPED = re.compile(rb"\\u(?:0000|d[89a-f])", re.IGNORECASE)


class NulRefusalMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode()
        if b"\x00" in unquote_to_bytes(raw_path) or b"\x00" in unquote_to_bytes(
            scope.get("query_string", b"")
        ):
            await _refuse(scope, send, "the URL")
            return
        messages: list[Message] = []
        chunks: list[bytes] = []
        while True:  # one message: RequestBodyMiddleware has read the whole body
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if b"\x00" in body:
            await _refuse(scope, send, "the body")
            return
        if _ESCAPED.search(body) and (unstorable := _decoded_problem(body)) is not None:
            where, problem = unstorable
            await send_problem(
                scope,
                send,
                status=422,
                code="invalid_input",
                title="The request is not valid",
                detail=f"the body {problem}",
                errors=[{"loc": where, "message": problem}] if where else None,
            )
            return

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            return await receive()

        await self.app(scope, replay, send)


def _decoded_problem(body: bytes) -> tuple[list[Any], str] | None:
    """What a JSON body holds that cannot be stored, once decoded, and where. Other bodies
    (a YAML design) are decoded, and checked the same way, by the endpoint that reads them."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON: its endpoint says so
    return unstorable_text(document)


async def _refuse(scope: Scope, send: Send, where: str) -> None:
    await send_problem(
        scope,
        send,
        status=422,
        code="invalid_input",
        title="The request is not valid",
        detail=f"{where} contains a NUL character (U+0000), which text may not hold",
    )


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
