"""Who is calling: an API key, a console user or a player token, always within one app."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from questline.auth.policy import SCOPE_PERMISSIONS, Permission, Role, Scope
from questline.errors import Forbidden


class PrincipalKind(StrEnum):
    KEY = "key"
    USER = "user"
    PLAYER = "player"


@dataclass(frozen=True)
class Principal:
    app_id: int
    kind: PrincipalKind
    permissions: frozenset[Permission]
    key_id: int | None = None
    key_name: str = ""
    scopes: tuple[str, ...] = ()
    user_id: int | None = None
    email: str | None = None
    role: Role | None = None
    player: str | None = None

    @property
    def actor(self) -> str:
        """How audit entries and logs name the caller."""
        if self.kind is PrincipalKind.KEY:
            return f"key:{self.key_name}"
        if self.kind is PrincipalKind.USER:
            return f"user:{self.email}"
        return f"player:{self.player}"

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, needed: Permission | Scope) -> None:
        wanted = SCOPE_PERMISSIONS[needed] if isinstance(needed, Scope) else {needed}
        if not wanted <= self.permissions:
            raise Forbidden(f"this {self.kind.value} may not use '{needed.value}'")
