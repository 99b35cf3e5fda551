"""The link `make run` prints: a demo player's dashboard, opened with a token of its own."""

from __future__ import annotations

from datetime import timedelta

from questline.auth.tokens import TokenType, issue
from questline.settings import Settings
from questline.storage.apps import DEFAULT_APP, get_app
from questline.storage.database import Database
from questline.web.store import busiest_player

# Long enough for a look around a local demo; a host app mints short-lived tokens.
DEMO_LINK_LIFETIME = timedelta(hours=8)


def demo_link(settings: Settings, base_url: str) -> str | None:
    """`<base_url>/play?access_token=…` for the default app's busiest player; None without
    a token secret or a player with history."""
    if settings.jwt_secret is None:
        return None
    database = Database(settings.database_url)
    try:
        with database.reader() as session:
            app = get_app(session, DEFAULT_APP)
            if app is None:
                return None
            app_id = app.id
            player = busiest_player(session, app_id)
    finally:
        database.dispose()
    if player is None:
        return None
    token, _ = issue(
        settings.jwt_secret.get_secret_value(),
        TokenType.PLAYER,
        subject=player,
        app_id=app_id,
        lifetime=DEMO_LINK_LIFETIME,
    )
    return f"{base_url}/play?access_token={token}"
