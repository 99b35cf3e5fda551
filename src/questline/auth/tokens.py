"""Signed tokens: console access tokens and player tokens (JWT, HS256), and opaque
refresh tokens (stored only as a digest).

Each JWT says what it is (``typ``), so an access token is never accepted where a player
token is expected, and neither is accepted as a refresh token (which is not a JWT at all).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

from questline.errors import Unauthorized

ISSUER = "questline"
REFRESH_PREFIX = "ql_rt_"
_ALGORITHM = "HS256"


class TokenType(StrEnum):
    ACCESS = "access"
    PLAYER = "player"


def issue(
    secret: str, typ: TokenType, *, subject: str, app_id: int, lifetime: timedelta
) -> tuple[str, datetime]:
    now = datetime.now(UTC)
    expires = now + lifetime
    claims = {
        "iss": ISSUER,
        "typ": typ.value,
        "sub": subject,
        "app": app_id,
        "iat": now,
        "exp": expires,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM), expires


# Tokens that verified, by secret and text: a page or widget sends the same token with every
# request, and checking its signature again cost more than a page's reads. A text holds its
# signature, so no other token can match one kept here; its expiry is checked at every use.
_VERIFIED: dict[tuple[str, str], dict[str, Any]] = {}
_VERIFIED_MAX = 10_000


def verify(secret: str, token: str) -> dict[str, Any]:
    """The claims of a token this server signed and that has not expired; else 401."""
    known = _VERIFIED.get((secret, token))
    if known is not None:
        if known["exp"] <= time.time():
            raise Unauthorized("the token has expired")
        return dict(known)
    claims = _verified(secret, token)
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[(secret, token)] = claims
    return dict(claims)


def _verified(secret: str, token: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("the token has expired") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("the token is not one this server signed") from None
    if claims.get("typ") not in TokenType.__members__.values() or not isinstance(
        claims.get("app"), int
    ):
        raise Unauthorized("the token is not one this server signed")
    return claims


def new_refresh_token() -> str:
    return REFRESH_PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def form_token(secret: str, player_token: str) -> str:
    """The CSRF token of a player page's forms: bound to the player token the page's
    cookie holds, which another site can neither read (HttpOnly) nor sign for."""
    mac = hmac.new(secret.encode(), b"page-form:" + player_token.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")
