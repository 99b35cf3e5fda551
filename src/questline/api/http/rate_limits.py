"""Per-caller rate limits (per API key or console user, and per player token, with each
app's own limits, from its cached settings, or the server's defaults) and the request time
limit."""

from __future__ import annotations

import asyncio

import limits
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from questline.api.http.problems import send_problem
from questline.auth.principals import Principal, PrincipalKind
from questline.auth.request_limits import applied_limit, parse_limit
from questline.auth.throttle import Throttle, TooManyRequests, Verdict
from questline.storage.apps import AppSettings, SettingsCache


class RateLimits:
    def __init__(
        self, throttle: Throttle, settings: SettingsCache, *, per_key: str | None, per_player: str
    ) -> None:
        self.throttle = throttle
        self.settings = settings
        self.per_key = parse_limit(per_key) if per_key else None
        self.per_player = parse_limit(per_player)

    def limit_for(
        self, principal: Principal, settings: AppSettings
    ) -> tuple[limits.RateLimitItem | None, tuple[str, ...]]:
        if principal.kind is PrincipalKind.PLAYER:
            text = settings.rate_limit_per_player
            per_player = applied_limit(text) if text else self.per_player
            return per_player, ("player", str(principal.app_id), str(principal.player))
        text = settings.rate_limit_per_key
        per_key = applied_limit(text) if text else self.per_key
        if principal.kind is PrincipalKind.KEY:
            return per_key, ("key", str(principal.key_id))
        return per_key, ("user", str(principal.user_id), str(principal.app_id))

    def hit(self, principal: Principal) -> Verdict | None:
        """Count one request; raise 429 if the caller is over its limit."""
        limit, key = self.limit_for(principal, self.settings.get(principal.app_id))
        if limit is None:
            return None
        return _judged(principal, limit, self.throttle.hit(limit, *key))

    async def hit_async(self, principal: Principal, settings: AppSettings) -> Verdict | None:
        """`hit` on the event loop, with the app's settings from `SettingsCache.in_memory`
        (reading them could wait for the database)."""
        limit, key = self.limit_for(principal, settings)
        if limit is None:
            return None
        return _judged(principal, limit, await self.throttle.hit_async(limit, *key))


def _judged(principal: Principal, limit: limits.RateLimitItem, verdict: Verdict) -> Verdict:
    if not verdict.allowed:
        raise TooManyRequests(
            f"rate limit of {limit} exceeded for this {principal.kind.value}",
            retry_after=verdict.reset_seconds,
            limit=verdict.limit,
        )
    return verdict


class RateLimitHeadersMiddleware:
    """Adds RateLimit-Limit/-Remaining/-Reset to answers of rate-limited requests
    (whatever the endpoint returned: a model, a Response or a stream)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                verdict: Verdict | None = scope.get("state", {}).get("rate_limit")
                if verdict is not None:
                    headers = message.setdefault("headers", [])
                    names = {name.lower() for name, _ in headers}
                    if b"ratelimit-limit" not in names:
                        headers += [
                            (b"ratelimit-limit", str(verdict.limit).encode()),
                            (b"ratelimit-remaining", str(verdict.remaining).encode()),
                            (b"ratelimit-reset", str(verdict.reset_seconds).encode()),
                        ]
            await send(message)

        await self.app(scope, receive, with_headers)


class TimeoutMiddleware:
    """Answers 503 if an endpoint has not begun its response within the time limit.

    The work itself is not undone: a transaction already under way still commits or rolls
    back as a whole, so a client that retries with the same idempotency key is safe.
    Streams are unaffected once their first bytes are out.
    """

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The endpoint runs in this task under a deadline that is lifted once it begins
        # answering (a task of its own per request cost more than many endpoints; asyncio's
        # own timeout costs a fraction of a cancel scope's bookkeeping).
        started = False
        try:
            async with asyncio.timeout(self.seconds) as deadline:

                async def tracking_send(message: Message) -> None:
                    nonlocal started
                    if message["type"] == "http.response.start":
                        started = True
                        # Already expired only if the endpoint swallowed the cancellation.
                        if not deadline.expired():
                            deadline.reschedule(None)
                    await send(message)

                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            if not deadline.expired():
                raise  # not ours: the endpoint's own
            if started:
                return  # too late for a 503: the answer was cut short
            await send_problem(
                scope,
                send,
                status=503,
                code="timeout",
                title="The request took too long",
                detail=f"no answer within {self.seconds:g} s; it may still complete,"
                " so retry with the same idempotency key",
                headers=[(b"retry-after", b"1")],
            )
