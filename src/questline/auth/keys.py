"""API keys: `ql_sk_` + 32 random bytes. Stored as a SHA-256 digest: the secret has
256 bits of entropy, so a slow password hash would add latency and no safety."""

from __future__ import annotations

import hashlib
import secrets

from questline.auth.policy import Scope

__all__ = ["KEY_PREFIX", "Scope", "allows", "display_prefix", "generate_key", "hash_key"]

KEY_PREFIX = "ql_sk_"


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def display_prefix(secret: str) -> str:
    """The part that is safe to show in lists and logs."""
    return secret[: len(KEY_PREFIX) + 6]


def allows(granted: list[str], needed: Scope) -> bool:
    return Scope.ADMIN in granted or needed in granted
