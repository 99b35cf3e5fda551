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
from starlette.types import Scope, Send

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


class Cors:
    """What the HTTP edge (`edge.HttpEdge`) asks about a request with an `Origin`."""

    def __init__(self) -> None:
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

    @staticmethod
    def is_preflight(scope: Scope, headers: dict[bytes, bytes]) -> bool:
        return scope["method"] == "OPTIONS" and b"access-control-request-method" in headers

    async def headers(
        self, scope: Scope, context: Context, origin: str
    ) -> list[tuple[bytes, bytes]]:
        """The CORS headers of an answer to a request from `origin`."""
        principal = scope.get("state", {}).get("principal")
        if principal is not None:
            settings = context.app_settings.in_memory(principal.app_id)
            if settings is None:
                settings = await run_in_threadpool(context.app_settings.get, principal.app_id)
            allowed = origin in settings.cors_origins
        else:
            allowed = origin in await run_in_threadpool(self._any_app_allows, context)
        extra = [(b"vary", b"Origin")]
        if allowed:
            extra += [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-expose-headers", _EXPOSE_HEADERS),
            ]
        return extra

    async def preflight(self, scope: Scope, send: Send, context: Context, origin: str) -> None:
        allowed = origin in await run_in_threadpool(self._any_app_allows, context)
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
