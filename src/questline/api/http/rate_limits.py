"""Per-caller rate limits (per API key or console user, and per player token, with each
app's own limits, from its cached settings, or the server's defaults), and the headers
that tell callers where they stand."""

from __future__ import annotations

import limits
from starlette.types import Scope

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


def rate_limit_headers(scope: Scope, headers: list[tuple[bytes, bytes]]) -> None:
    """Adds RateLimit-Limit/-Remaining/-Reset to the headers of an answer to a
    rate-limited request (whatever the endpoint returned: a model, a Response or a
    stream), unless the endpoint set them itself."""
    verdict: Verdict | None = scope.get("state", {}).get("rate_limit")
    if verdict is None:
        return
    names = {name.lower() for name, _ in headers}
    if b"ratelimit-limit" not in names:
        headers += [
            (b"ratelimit-limit", str(verdict.limit).encode()),
            (b"ratelimit-remaining", str(verdict.remaining).encode()),
            (b"ratelimit-reset", str(verdict.reset_seconds).encode()),
        ]
