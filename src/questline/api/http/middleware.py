"""Pure ASGI middleware: request ids, what each request took, and a safety net for errors
nothing else handled. (Reading the body within its limits is `request_body`.)"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from questline.api.http.problems import send_problem
from questline.api.metrics import observe_http
from questline.logs import log_access
from questline.request_context import request_id as current_request_id

log = logging.getLogger(__name__)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# nginx's "client closed request": the client went away before it was answered.
CLIENT_CLOSED = 499


class RequestRecordMiddleware:
    """Times each request and records it twice: a line in the access log and an
    observation of the route's latency in the metrics. A client that went away before
    it was answered is recorded as 499, not as a failure of the server."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        except ClientDisconnect:
            # Nobody to answer, and nothing went wrong here: no traceback, no 500.
            status = status or CLIENT_CLOSED
        finally:
            status = status or 500
            seconds = time.perf_counter() - started
            log_access(scope, status, seconds)
            observe_http(scope, status, seconds)


class RequestIdMiddleware:
    """Takes X-Request-ID from the client (if sane) or makes one; echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = current_request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)


class UnexpectedErrorMiddleware:
    """Turns an error nothing else handled into a 500 problem, logged once with its request
    id. The server then sees a complete answer, so the connection stays open for the
    client's next request (an error raised past here would make it close the connection).
    It sits inside the request-id and CORS layers, so the answer carries their headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            raise  # nobody to answer: recorded as a client abort
        except Exception:
            request_id = scope.get("state", {}).get("request_id")
            log.exception("unhandled error", extra={"request_id": request_id})
            if started:
                # Too late for a problem: returning with the answer unfinished makes the
                # server close the connection, so the client sees it cut short.
                return
            await send_problem(
                scope,
                send,
                status=500,
                code="internal_error",
                title="Internal error",
                detail="an unexpected error occurred; it has been logged with this request id",
            )
