"""The HTTP edge: everything every request passes through before and after its route, as
one pure ASGI layer.

In order, outermost first (the order of the layers this one replaced):

1. the request id — `X-Request-ID` from the client if sane, else a new one — set for
   logs and problems and echoed on every answer;
2. the record: the request timed, one access-log line and one latency observation;
   a client that went away before it was answered is recorded as 499;
3. CORS headers for a request with an `Origin` (and preflights answered here);
4. RateLimit-* headers on answers to rate-limited requests;
5. a safety net: an error nothing else handled becomes a 500 problem, logged once;
6. the body read whole within its limits (413 over the size, 408 too slow);
7. text no database can store (NUL, lone surrogates) refused with 422;
8. the request time limit: 503 if the endpoint has not begun answering in time.

Each of these was a middleware of its own; a request then paid for eight coroutine
frames, eight `send` wrappers and two `receive` replays, which cost more CPU than a
single event's route. One layer with one `send` wrapper does the same work.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from questline.api.http.cors import Cors
from questline.api.http.input_guard import unstorable_in
from questline.api.http.problems import send_problem
from questline.api.http.rate_limits import rate_limit_headers
from questline.api.http.request_body import Deadlines, read_body
from questline.api.metrics import observe_http
from questline.logs import log_access
from questline.request_context import request_id as current_request_id

log = logging.getLogger(__name__)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# nginx's "client closed request": the client went away before it was answered.
CLIENT_CLOSED = 499


def new_request_id() -> str:
    # 32 hex digits, as a UUID4's: unique, not secret (it is echoed to the client), so
    # drawn from the process's generator rather than the OS's (a system call each).
    return f"{random.getrandbits(128):032x}"


class HttpEdge:
    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, body_timeout_seconds: float, seconds: float
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_seconds = body_timeout_seconds
        self.seconds = seconds
        self.deadlines = Deadlines(body_timeout_seconds)
        self.cors = Cors()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter()
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        token = current_request_id.set(request_id)
        origin = headers.get(b"origin", b"").decode("latin-1")
        context = getattr(scope["app"].state, "questline", None) if origin else None
        cors_context = context  # whose answers get CORS headers (a preflight has its own)
        status: int | None = None
        deadline: asyncio.Timeout | None = None

        async def edge_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                # Already expired only if the endpoint swallowed the cancellation.
                if deadline is not None and not deadline.expired():
                    deadline.reschedule(None)
                status = message["status"]
                extra = message.setdefault("headers", [])
                rate_limit_headers(scope, extra)
                if cors_context is not None:
                    extra += await self.cors.headers(scope, cors_context, origin)
                extra.append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            if context is not None and self.cors.is_preflight(scope, headers):
                cors_context = None
                await self.cors.preflight(scope, edge_send, context, origin)
                return
            try:
                body = await self._body(scope, receive, headers, edge_send)
                if body is None:
                    return  # answered: too large or too slow
                if (refusal := unstorable_in(scope, body)) is not None:
                    detail, errors = refusal
                    await _invalid(scope, edge_send, detail, errors)
                    return
                delivered = False

                async def replay() -> Message:
                    nonlocal delivered
                    if delivered:
                        return await receive()  # after the body: the client's disconnect
                    delivered = True
                    return {"type": "http.request", "body": body, "more_body": False}

                # The endpoint runs in this task under a deadline that is lifted once it
                # begins answering (asyncio's own timeout costs a fraction of a cancel
                # scope's bookkeeping, or of a task per request).
                timer = deadline = asyncio.timeout(self.seconds)
                try:
                    try:
                        async with timer:
                            await self.app(scope, replay, edge_send)
                    finally:
                        deadline = None  # a finished timer can no longer be lifted
                except TimeoutError:
                    if not timer.expired():
                        raise  # not ours: the endpoint's own
                    if status is not None:
                        return  # too late for a 503: the answer was cut short
                    await send_problem(
                        scope,
                        edge_send,
                        status=503,
                        code="timeout",
                        title="The request took too long",
                        detail=f"no answer within {self.seconds:g} s; it may still complete,"
                        " so retry with the same idempotency key",
                        headers=[(b"retry-after", b"1")],
                    )
            except ClientDisconnect:
                raise  # nobody to answer: recorded as a client abort
            except Exception:
                # The server then sees a complete answer, so the connection stays open for
                # the client's next request (an error raised past here would close it).
                log.exception("unhandled error", extra={"request_id": request_id})
                if status is not None:
                    # Too late for a problem: returning with the answer unfinished makes
                    # the server close the connection, so the client sees it cut short.
                    return
                await send_problem(
                    scope,
                    edge_send,
                    status=500,
                    code="internal_error",
                    title="Internal error",
                    detail="an unexpected error occurred; it has been logged with this request id",
                )
        except ClientDisconnect:
            # Nobody to answer, and nothing went wrong here: no traceback, no 500.
            status = status or CLIENT_CLOSED
        finally:
            status = status or 500
            seconds = time.perf_counter() - started_at
            log_access(scope, status, seconds)
            observe_http(scope, status, seconds)
            current_request_id.reset(token)

    async def _body(
        self, scope: Scope, receive: Receive, headers: dict[bytes, bytes], send: Send
    ) -> bytes | None:
        """The whole body within its limits, or None once the client has been told why
        not: 413 over the size (a declared Content-Length before anything is read), 408
        (and the connection closed) if it has not fully arrived in time, so slow or
        stalled uploads cannot hold the server's connections."""
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await self._too_large(scope, send)
            return None
        task = asyncio.current_task()
        assert task is not None
        self.deadlines.start(task)
        try:
            body = await read_body(receive, self.max_body_bytes)
        except asyncio.CancelledError:
            if not self.deadlines.stop(task) or task.uncancel() > 0:
                raise  # not (only) ours: the server is shutting down
            await send_problem(
                scope,
                send,
                status=408,
                code="request_timeout",
                title="The request body took too long",
                detail=f"the body did not arrive within {self.body_timeout_seconds:g} s",
                headers=[(b"connection", b"close")],
            )
            return None
        finally:
            self.deadlines.stop(task)
        if body is None:
            await self._too_large(scope, send)
        return body

    async def _too_large(self, scope: Scope, send: Send) -> None:
        await send_problem(
            scope,
            send,
            status=413,
            code="payload_too_large",
            title="The request body is too large",
            detail=f"request bodies are limited to {self.max_body_bytes} bytes",
        )


async def _invalid(
    scope: Scope, send: Send, detail: str, errors: list[dict[str, object]] | None
) -> None:
    await send_problem(
        scope,
        send,
        status=422,
        code="invalid_input",
        title="The request is not valid",
        detail=detail,
        errors=errors,
    )
