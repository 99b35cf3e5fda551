"""Who may call what: the one place that decides.

Every route of the API has exactly one line in ``POLICY``, keyed by ``"METHOD /path/{template}"``
as it appears in the OpenAPI schema. A route without a line is refused to everyone (and the
authorization-matrix test fails), so a new endpoint cannot ship open by accident.

A decision names the *permission* a caller needs. API keys get permissions from their scopes,
console users from their role in the app, and player tokens get none: they may call only the
routes marked ``own_player`` (and then only for their own player), the reads every player
of the app shares (``shared``: a board's standings, their own league group, the app's
brand) and, if the app allows it, submit events for themselves (``player_events``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Permission(StrEnum):
    EVENTS_WRITE = "events:write"
    PLAYERS_READ = "players:read"
    PLAYERS_MANAGE = "players:manage"  # manual grants, refunds, export, erasure
    PLAYER_TOKENS = "player-tokens:create"
    CONFIG_READ = "config:read"
    CONFIG_WRITE = "config:write"
    KEYS_MANAGE = "keys:manage"
    USERS_MANAGE = "users:manage"
    AUDIT_READ = "audit:read"
    APPS_CREATE = "apps:create"
    APP_SETTINGS = "app:settings"
    WEBHOOKS_MANAGE = "webhooks:manage"


class Scope(StrEnum):
    """What an API key may be granted."""

    EVENTS_WRITE = "events:write"
    PLAYERS_READ = "players:read"
    CONFIG_WRITE = "config:write"
    ADMIN = "admin"


class Role(StrEnum):
    """A console user's role in one app."""

    OWNER = "owner"
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"


_APP_ADMIN = frozenset(Permission) - {Permission.APPS_CREATE, Permission.USERS_MANAGE}

SCOPE_PERMISSIONS: dict[Scope, frozenset[Permission]] = {
    # A server that sends events also mints player tokens for its users' clients.
    Scope.EVENTS_WRITE: frozenset(
        {Permission.EVENTS_WRITE, Permission.CONFIG_READ, Permission.PLAYER_TOKENS}
    ),
    Scope.PLAYERS_READ: frozenset({Permission.PLAYERS_READ, Permission.CONFIG_READ}),
    Scope.CONFIG_WRITE: frozenset({Permission.CONFIG_WRITE, Permission.CONFIG_READ}),
    Scope.ADMIN: _APP_ADMIN,
}

_VIEWER = frozenset({Permission.PLAYERS_READ, Permission.CONFIG_READ})
_EDITOR = _VIEWER | {Permission.CONFIG_WRITE}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: _VIEWER,
    Role.EDITOR: _EDITOR,
    Role.ADMIN: _APP_ADMIN,
    Role.OWNER: frozenset(Permission),
}


def scope_permissions(scopes: list[str] | tuple[str, ...]) -> frozenset[Permission]:
    granted: frozenset[Permission] = frozenset()
    for scope in scopes:
        if scope in Scope.__members__.values():
            granted |= SCOPE_PERMISSIONS[Scope(scope)]
    return granted


@dataclass(frozen=True)
class Access:
    """The decision for one route. ``permission=None`` means public.

    ``rate_limited=False`` exempts callers who hold the permission from the rate limit
    (those who lack it are still counted, as every refused call is)."""

    permission: Permission | None
    own_player: bool = False
    # What every player of the app may see, of each other (a board's standings, a league
    # group) or of the app itself (its brand): open to a player token too, whichever
    # player it is for; the route narrows it where it must (its own group, its own circle
    # of friends).
    shared: bool = False
    player_events: bool = False
    rate_limited: bool = True
    # A browser's EventSource cannot set headers: a player token may come as the
    # `access_token` query parameter or the `questline_token` cookie instead.
    token_in_query: bool = False
    # A player page (`/play/...`): it shows the token's own player, who is not in its path;
    # only a player token opens it.
    page: bool = False
    # A web console page or action (`/console/...`): opened by a console user's session
    # cookie only (never a bearer credential), and a write also needs the session's
    # CSRF token.
    console: bool = False


PUBLIC = Access(None)


def needs(permission: Permission) -> Access:
    return Access(permission)


def own(permission: Permission) -> Access:
    """Also open to a player token, for its own player (the ``{player_id}`` in the path)."""
    return Access(permission, own_player=True)


def shared(permission: Permission) -> Access:
    """Also open to a player token: what every player of the app may see (standings, a
    league group, the app's brand)."""
    return Access(permission, shared=True)


def own_stream(permission: Permission) -> Access:
    """``own``, for a stream a browser opens with EventSource."""
    return Access(permission, own_player=True, token_in_query=True)


# A browser opens a page with the player token once in its URL (`access_token`), which the
# page moves into the `questline_token` cookie; later requests send the cookie.
PLAYER_PAGE = Access(Permission.PLAYERS_READ, own_player=True, token_in_query=True, page=True)


_P = Permission

# One line per route. Adding an endpoint means adding its line here.
POLICY: dict[str, Access] = {
    "GET /health": PUBLIC,
    "GET /ready": PUBLIC,
    # Scraped by Prometheus; counts only, no player data. Keep it off the public network.
    "GET /metrics": PUBLIC,
    "POST /v1/events": Access(_P.EVENTS_WRITE, player_events=True),
    "POST /v1/events/batch": Access(_P.EVENTS_WRITE, player_events=True),
    # Its answer shows players' balances and progress, as their own reads do.
    "POST /v1/events/preview": needs(_P.PLAYERS_READ),
    "GET /v1/events/{event_id}": needs(_P.PLAYERS_READ),
    "GET /v1/players/{player_id}": own(_P.PLAYERS_READ),
    "GET /v1/players/{player_id}/ledger": own(_P.PLAYERS_READ),
    # Counts over the app's players, no one player's data: whoever may read players.
    "GET /v1/analytics/activity": needs(_P.PLAYERS_READ),
    "GET /v1/analytics/awards": needs(_P.PLAYERS_READ),
    "GET /v1/analytics/new-players": needs(_P.PLAYERS_READ),
    "GET /v1/analytics/retention": needs(_P.PLAYERS_READ),
    "GET /v1/analytics/levels": needs(_P.PLAYERS_READ),
    "GET /v1/analytics/streaks": needs(_P.PLAYERS_READ),
    "GET /v1/analytics/achievements": needs(_P.PLAYERS_READ),
    "GET /v1/analytics/quests": needs(_P.PLAYERS_READ),
    "GET /v1/config": needs(_P.CONFIG_READ),
    "PUT /v1/config": needs(_P.CONFIG_WRITE),
    # Compiling a design costs what publishing it does: the same permission.
    "POST /v1/config/validate": needs(_P.CONFIG_WRITE),
    "GET /v1/config/versions": needs(_P.CONFIG_READ),
    "GET /v1/config/versions/{version}": needs(_P.CONFIG_READ),
    "GET /v1/config/versions/{first}/diff/{second}": needs(_P.CONFIG_READ),
    "POST /v1/config/rollback": needs(_P.CONFIG_WRITE),
    # A replay of the whole log is heavy work: only those who may publish ask for one.
    "POST /v1/config/dry-runs": needs(_P.CONFIG_WRITE),
    "GET /v1/config/dry-runs/{run_id}": needs(_P.CONFIG_READ),
    "POST /v1/config/schedules": needs(_P.CONFIG_WRITE),
    "GET /v1/config/schedules": needs(_P.CONFIG_READ),
    "DELETE /v1/config/schedules/{schedule_id}": needs(_P.CONFIG_WRITE),
    "GET /v1/items": needs(_P.CONFIG_READ),
    "POST /v1/items": needs(_P.CONFIG_WRITE),
    "GET /v1/items/{key}": needs(_P.CONFIG_READ),
    "PATCH /v1/items/{key}": needs(_P.CONFIG_WRITE),
    "DELETE /v1/items/{key}": needs(_P.CONFIG_WRITE),
    "GET /v1/apps": needs(_P.CONFIG_READ),
    "POST /v1/apps": needs(_P.APPS_CREATE),
    "GET /v1/apps/{app_id}": needs(_P.CONFIG_READ),
    # The brand a player's pages and widgets wear: any caller of the app, players too.
    "GET /v1/branding": shared(_P.CONFIG_READ),
    # Never rate-limited for its administrators: it is the way back from a limit set too
    # tight, which would otherwise refuse the very request that loosens it.
    "PUT /v1/apps/{app_id}/settings": Access(_P.APP_SETTINGS, rate_limited=False),
    "POST /v1/keys": needs(_P.KEYS_MANAGE),
    "GET /v1/keys": needs(_P.KEYS_MANAGE),
    "GET /v1/keys/{key_id}": needs(_P.KEYS_MANAGE),
    "DELETE /v1/keys/{key_id}": needs(_P.KEYS_MANAGE),
    "GET /v1/audit": needs(_P.AUDIT_READ),
    "POST /v1/players/{player_id}/token": needs(_P.PLAYER_TOKENS),
    "GET /v1/players/{player_id}/export": own(_P.PLAYERS_MANAGE),
    "DELETE /v1/players/{player_id}": needs(_P.PLAYERS_MANAGE),
    "POST /v1/auth/login": PUBLIC,
    "POST /v1/auth/refresh": PUBLIC,
    "POST /v1/auth/logout": PUBLIC,
    "GET /v1/users": needs(_P.USERS_MANAGE),
    "PUT /v1/users/{email}": needs(_P.USERS_MANAGE),
    "DELETE /v1/users/{email}": needs(_P.USERS_MANAGE),
    "GET /v1/achievements": needs(_P.CONFIG_READ),
    "POST /v1/achievements/backfill": needs(_P.CONFIG_WRITE),
    "GET /v1/players/{player_id}/achievements": own(_P.PLAYERS_READ),
    "GET /v1/players/{player_id}/streaks": own(_P.PLAYERS_READ),
    "POST /v1/players/{player_id}/streaks/{key}/restore": needs(_P.PLAYERS_MANAGE),
    "POST /v1/players/{player_id}/grants": needs(_P.PLAYERS_MANAGE),
    "POST /v1/players/{player_id}/streaks/{key}/freezes": needs(_P.EVENTS_WRITE),
    "GET /v1/quests": needs(_P.CONFIG_READ),
    "GET /v1/players/{player_id}/quests": own(_P.PLAYERS_READ),
    "POST /v1/players/{player_id}/quests/{quest_id}/join": needs(_P.EVENTS_WRITE),
    "GET /v1/players/{player_id}/scores": own(_P.PLAYERS_READ),
    "GET /v1/players/{player_id}/scores/{key}": own(_P.PLAYERS_READ),
    # A player's client shows boards as they are: ids, display names, avatars, scores and
    # ranks, nothing else of another player (hidden players are on no board).
    "GET /v1/leaderboards/{key}": shared(_P.PLAYERS_READ),
    "GET /v1/leaderboards/{key}/runs": shared(_P.PLAYERS_READ),
    "GET /v1/leaderboards/{key}/runs/{run}": shared(_P.PLAYERS_READ),
    "GET /v1/players/{player_id}/ranks": own(_P.PLAYERS_READ),
    # Opting out of leaderboards is the player's own choice to make, from their client too.
    "PUT /v1/players/{player_id}/leaderboards": own(_P.EVENTS_WRITE),
    "GET /v1/players/{player_id}/league": own(_P.PLAYERS_READ),
    # The economy. A player token buys and uses items for itself only; refunds are an
    # administrator's (audited).
    "GET /v1/shop": needs(_P.PLAYERS_READ),
    "GET /v1/players/{player_id}/shop": own(_P.PLAYERS_READ),
    "POST /v1/players/{player_id}/purchases": own(_P.EVENTS_WRITE),
    "GET /v1/players/{player_id}/purchases": own(_P.PLAYERS_READ),
    "GET /v1/purchases/{purchase_id}": needs(_P.PLAYERS_READ),
    "POST /v1/purchases/{purchase_id}/refund": needs(_P.PLAYERS_MANAGE),
    "GET /v1/players/{player_id}/inventory": own(_P.PLAYERS_READ),
    "POST /v1/players/{player_id}/inventory/{item}/use": own(_P.EVENTS_WRITE),
    "GET /v1/players/{player_id}/wallet": own(_P.PLAYERS_READ),
    # A player token reads only a group it plays in (the route checks membership).
    "GET /v1/leagues/{tier}/groups/{group_id}": shared(_P.PLAYERS_READ),
    # Learning: course content (with the answers) is for editors and the host app; a
    # player's client takes lessons and reviews cards for its own player only.
    "GET /v1/courses": needs(_P.CONFIG_READ),
    "PUT /v1/courses/{course_id}": needs(_P.CONFIG_WRITE),
    "GET /v1/courses/{course_id}": needs(_P.CONFIG_READ),
    "GET /v1/courses/{course_id}/versions": needs(_P.CONFIG_READ),
    "GET /v1/lessons/{lesson_id}": needs(_P.CONFIG_READ),
    "GET /v1/learning/settings": needs(_P.CONFIG_READ),
    "PUT /v1/learning/settings": needs(_P.CONFIG_WRITE),
    "GET /v1/players/{player_id}/courses/{course_id}/progress": own(_P.PLAYERS_READ),
    "POST /v1/players/{player_id}/lessons/{lesson_id}/attempts": own(_P.EVENTS_WRITE),
    "GET /v1/players/{player_id}/lessons/{lesson_id}/attempts/{attempt_id}": own(_P.PLAYERS_READ),
    "POST /v1/players/{player_id}/lessons/{lesson_id}/attempts/{attempt_id}/answers": own(
        _P.EVENTS_WRITE
    ),
    "POST /v1/players/{player_id}/lessons/{lesson_id}/attempts/{attempt_id}/submit": own(
        _P.EVENTS_WRITE
    ),
    "POST /v1/players/{player_id}/reviews": own(_P.EVENTS_WRITE),
    "GET /v1/players/{player_id}/reviews/due": own(_P.PLAYERS_READ),
    "GET /v1/players/{player_id}/reviews/stats": own(_P.PLAYERS_READ),
    # Notifications: a player's client reads and marks its own inbox, and registers its
    # own device for push.
    "GET /v1/players/{player_id}/notifications": own(_P.PLAYERS_READ),
    "GET /v1/players/{player_id}/notifications/stream": own_stream(_P.PLAYERS_READ),
    "POST /v1/players/{player_id}/notifications/read": own(_P.EVENTS_WRITE),
    "PUT /v1/players/{player_id}/devices/{device_id}": own(_P.EVENTS_WRITE),
    "DELETE /v1/players/{player_id}/devices/{device_id}": own(_P.EVENTS_WRITE),
    # Social: a player's client follows, blocks, cheers and sets its profile as itself only,
    # and reads its own lists, feed and activity (another's activity is the host's to show,
    # with `viewer`, as that player may see it).
    "PUT /v1/players/{player_id}/following/{other_id}": own(_P.EVENTS_WRITE),
    "DELETE /v1/players/{player_id}/following/{other_id}": own(_P.EVENTS_WRITE),
    "GET /v1/players/{player_id}/following": own(_P.PLAYERS_READ),
    "GET /v1/players/{player_id}/followers": own(_P.PLAYERS_READ),
    "PUT /v1/players/{player_id}/blocks/{other_id}": own(_P.EVENTS_WRITE),
    "DELETE /v1/players/{player_id}/blocks/{other_id}": own(_P.EVENTS_WRITE),
    "GET /v1/players/{player_id}/blocks": own(_P.PLAYERS_READ),
    "PUT /v1/players/{player_id}/profile": own(_P.EVENTS_WRITE),
    "GET /v1/players/{player_id}/feed": own(_P.PLAYERS_READ),
    "GET /v1/players/{player_id}/activity": own(_P.PLAYERS_READ),
    "PUT /v1/players/{player_id}/cheers/{entry_id}": own(_P.EVENTS_WRITE),
    "DELETE /v1/players/{player_id}/cheers/{entry_id}": own(_P.EVENTS_WRITE),
    "POST /v1/webhooks": needs(_P.WEBHOOKS_MANAGE),
    "GET /v1/webhooks": needs(_P.WEBHOOKS_MANAGE),
    "GET /v1/webhooks/{webhook_id}": needs(_P.WEBHOOKS_MANAGE),
    "PATCH /v1/webhooks/{webhook_id}": needs(_P.WEBHOOKS_MANAGE),
    "DELETE /v1/webhooks/{webhook_id}": needs(_P.WEBHOOKS_MANAGE),
    "GET /v1/webhooks/{webhook_id}/deliveries": needs(_P.WEBHOOKS_MANAGE),
    "POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend": needs(_P.WEBHOOKS_MANAGE),
    # Player pages (the web module): a player token's own pages, and their public assets.
    "GET /play": PLAYER_PAGE,
    "GET /play/badges": PLAYER_PAGE,
    "GET /play/missions": PLAYER_PAGE,
    "GET /play/leaderboards": PLAYER_PAGE,
    "GET /play/league": PLAYER_PAGE,
    "GET /play/wallet": PLAYER_PAGE,
    "GET /play/reviews": PLAYER_PAGE,
    "GET /play/feed": PLAYER_PAGE,
    "GET /play/static/{name}": PUBLIC,
    "GET /play/brand.css": PLAYER_PAGE,
    # A purchase from the shop page: the cookie's player buys, with the form's CSRF token.
    "POST /play/wallet": Access(
        Permission.EVENTS_WRITE, own_player=True, token_in_query=True, page=True
    ),
    "GET /widgets.js": PUBLIC,
}


def decision_for(method: str, path: str) -> Access | None:
    return POLICY.get(f"{method.upper()} {path}")


def same_as(api_route: str) -> Access:
    """A console page or action that does the work of an API route: allowed to exactly the
    roles that route allows."""
    permission = POLICY[api_route].permission
    assert permission is not None, f"{api_route} is public: a console page needs a decision"
    return Access(permission, console=True)


# The web console (`/console/...`), each line naming the API route whose rule it follows.
CONSOLE_POLICY: dict[str, Access] = {
    "GET /console/sign-in": PUBLIC,
    "POST /console/sign-in": PUBLIC,
    "GET /console/static/{name}": PUBLIC,
    # Every role reads the design: the least any signed-in user may do.
    "POST /console/sign-out": same_as("GET /v1/config"),
    "GET /console": same_as("GET /v1/config"),
    "GET /console/overview": same_as("GET /v1/analytics/activity"),
    "GET /console/design": same_as("GET /v1/config"),
    "POST /console/design/validate": same_as("POST /v1/config/validate"),
    "POST /console/design/publish": same_as("PUT /v1/config"),
    "POST /console/design/preview": same_as("POST /v1/events/preview"),
    "POST /console/design/dry-runs": same_as("POST /v1/config/dry-runs"),
    "GET /console/design/dry-runs/{run_id}": same_as("GET /v1/config/dry-runs/{run_id}"),
    "GET /console/design/versions": same_as("GET /v1/config/versions"),
    "GET /console/design/versions/{first}/diff/{second}": same_as(
        "GET /v1/config/versions/{first}/diff/{second}"
    ),
    "POST /console/design/rollback": same_as("POST /v1/config/rollback"),
    "POST /console/design/schedules": same_as("POST /v1/config/schedules"),
    "POST /console/design/schedules/{schedule_id}/cancel": same_as(
        "DELETE /v1/config/schedules/{schedule_id}"
    ),
    "GET /console/players": same_as("GET /v1/players/{player_id}"),
    "GET /console/players/{player_id}": same_as("GET /v1/players/{player_id}"),
    "POST /console/players/{player_id}/grants": same_as("POST /v1/players/{player_id}/grants"),
    "POST /console/players/{player_id}/streaks/{key}/freezes": same_as(
        "POST /v1/players/{player_id}/streaks/{key}/freezes"
    ),
    "POST /console/players/{player_id}/streaks/{key}/restore": same_as(
        "POST /v1/players/{player_id}/streaks/{key}/restore"
    ),
    "GET /console/players/{player_id}/export": same_as("GET /v1/players/{player_id}/export"),
    "POST /console/players/{player_id}/erase": same_as("DELETE /v1/players/{player_id}"),
    "GET /console/keys": same_as("GET /v1/keys"),
    "POST /console/keys": same_as("POST /v1/keys"),
    "POST /console/keys/{key_id}/revoke": same_as("DELETE /v1/keys/{key_id}"),
    "GET /console/users": same_as("GET /v1/users"),
    "POST /console/users": same_as("PUT /v1/users/{email}"),
    "POST /console/users/{email}/remove": same_as("DELETE /v1/users/{email}"),
    "GET /console/audit": same_as("GET /v1/audit"),
    "GET /console/settings": same_as("GET /v1/apps/{app_id}"),
    "POST /console/settings": same_as("PUT /v1/apps/{app_id}/settings"),
    "GET /console/leaderboards": same_as("GET /v1/leaderboards/{key}"),
    "GET /console/leaderboards/{key}": same_as("GET /v1/leaderboards/{key}"),
    "GET /console/leagues": same_as("GET /v1/leagues/{tier}/groups/{group_id}"),
    "GET /console/leagues/{tier}/groups/{group_id}": same_as(
        "GET /v1/leagues/{tier}/groups/{group_id}"
    ),
    "GET /console/webhooks": same_as("GET /v1/webhooks"),
    "GET /console/webhooks/{webhook_id}": same_as("GET /v1/webhooks/{webhook_id}/deliveries"),
    "POST /console/webhooks/{webhook_id}/deliveries/{delivery_id}/resend": same_as(
        "POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend"
    ),
    "GET /console/items": same_as("GET /v1/items"),
    "POST /console/items/{key}/active": same_as("PATCH /v1/items/{key}"),
    "GET /console/items/export": same_as("GET /v1/items"),
    "POST /console/items/import": same_as("POST /v1/items"),
}
POLICY.update(CONSOLE_POLICY)
