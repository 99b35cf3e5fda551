"""What the social module holds about a player, for the privacy endpoints: exported with
the rest of the player's data, and deleted when the player is erased (follows and blocks
both ways, the profile setting, their activity entries and the cheers on them, and their
cheers of others' entries)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from questline.social import store


class SocialData:
    name = "social"

    def export(self, session: Session, player_id: int) -> dict[str, Any]:
        return store.export(session, player_id)

    def erase(self, session: Session, player_id: int) -> None:
        store.erase(session, player_id)
