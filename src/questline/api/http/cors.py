"""CORS with an allow-list per app (its `cors_origins` setting).

A preflight carries no credentials, so it is answered for an origin that any app allows;
the actual request is answered with CORS headers only if the caller's own app allows the
origin (or, for public endpoints and refusals, any app does). Bearer tokens, not cookies:
credentials are never allowed.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from questline.api.http.problems import send_problem
from questline.storage.models import App

if TYPE_CHECKING:
    from questline.api.http.context import Context

_TTL_SECONDS = 10.0
_ALLOW_METHODS = b"GET, POST, PUT, PATCH, DELETE"
_ALLOW_HEADERS = b"Authorization, Content-Type, X-Request-ID"
_EXPOSE_HEADERS = (
    b"X-Request-ID, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"
)


class CorsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._any: tuple[float, frozenset[str]] = (0.0, frozenset())
        self._lock = threading.Lock()

    def _any_app_allows(self, context: Context) -> frozenset[str]:
        now = time.monotonic()
        with self._lock:
            expires, origins = self._any
        if expires > now:
            return origins
        with context.database.reader() as session:
            found = frozenset(
                origin
                for settings in session.scalars(select(App.settings))
                for origin in (settings or {}).get("cors_origins", [])
            )
        with self._lock:
            self._any = (now + _TTL_SECONDS, found)
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        origin = headers.get(b"origin", b"").decode("latin-1")
        context: Context | None = getattr(scope["app"].state, "questline", None)
        if not origin or context is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            allowed = origin in await run_in_threadpool(self._any_app_allows, context)
            await self._preflight(scope, send, origin, allowed)
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                principal = scope.get("state", {}).get("principal")
                if principal is not None:
                    settings = context.app_settings.in_memory(principal.app_id)
                    if settings is None:
                        settings = await run_in_threadpool(
                            context.app_settings.get, principal.app_id
                        )
                    allowed = origin in settings.cors_origins
                else:
                    allowed = origin in await run_in_threadpool(self._any_app_allows, context)
                extra = [(b"vary", b"Origin")]
                if allowed:
                    extra += [
                        (b"access-control-allow-origin", origin.encode("latin-1")),
                        (b"access-control-expose-headers", _EXPOSE_HEADERS),
                    ]
                message.setdefault("headers", []).extend(extra)
            await send(message)

        await self.app(scope, receive, with_cors)

    async def _preflight(self, scope: Scope, send: Send, origin: str, allowed: bool) -> None:
        if allowed:
            headers = [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-methods", _ALLOW_METHODS),
                (b"access-control-allow-headers", _ALLOW_HEADERS),
                (b"access-control-max-age", b"600"),
                (b"vary", b"Origin"),
            ]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send_problem(
            scope,
            send,
            status=403,
            code="forbidden",
            title="Not allowed",
            detail=f"no app allows requests from the origin {origin}",
            headers=[(b"vary", b"Origin")],
        )
