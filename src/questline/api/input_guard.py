"""Refuse text containing NUL characters, which PostgreSQL cannot store, before any
endpoint sees it — so that both databases answer the same clear 422."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from questline.api.problems import problem, send_problem

# A NUL in a JSON body is written \u0000 (raw control characters are not valid JSON);
# allow for a split across chunks by keeping the tail of the previous one.
_ESCAPED_NUL = re.compile(rb"\\u0000", re.IGNORECASE)
_TAIL = 5


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
        body = b""
        more = True
        messages: list[Message] = []
        while more:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            window = body[-_TAIL:] + chunk
            if b"\x00" in chunk or _ESCAPED_NUL.search(window):
                await _refuse(scope, send, "the body")
                return
            body = window
            more = message.get("more_body", False)

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            return await receive()

        await self.app(scope, replay, send)


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
