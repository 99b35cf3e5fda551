"""POST /v1/players/{id}/token: a host app's backend lets one player's own client in."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from questline.api.http.deps import Authorized, ContextDep
from questline.auth.tokens import TokenType, issue
from questline.errors import Unavailable

router = APIRouter(prefix="/v1/players", tags=["players"])
PlayerId = Annotated[str, Path(min_length=1, max_length=200, description="the host app's id")]


class PlayerTokenIn(BaseModel):
    """How long the token should live (at most the server's limit)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"minutes": 15}]})

    minutes: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=24 * 60,
        description="default and cap: QUESTLINE_PLAYER_TOKEN_MINUTES",
    )


class PlayerToken(BaseModel):
    """A bearer token that reads only this player's own state."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "token": "eyJhbGciOiJIUzI1NiIs…",
                    "token_type": "bearer",
                    "expires_in": 900,
                    "player": "zoe",
                }
            ]
        }
    )

    token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth token type, not a secret)
    expires_in: int
    player: str


@router.post("/{player_id}/token", summary="Mint a short-lived token for one player's client")
def mint_player_token(
    player_id: PlayerId,
    principal: Authorized,
    context: ContextDep,
    body: PlayerTokenIn | None = None,
) -> PlayerToken:
    secret = context.settings.jwt_secret
    if secret is None:
        raise Unavailable("player tokens are not configured: set QUESTLINE_JWT_SECRET")
    cap = context.settings.player_token_minutes
    minutes = min(body.minutes, cap) if body and body.minutes else cap
    token, _ = issue(
        secret.get_secret_value(),
        TokenType.PLAYER,
        subject=player_id,
        app_id=principal.app_id,
        lifetime=timedelta(minutes=minutes),
    )
    return PlayerToken(token=token, expires_in=minutes * 60, player=player_id)
