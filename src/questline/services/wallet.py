"""A player's wallet: each currency's balance, what they earned in all and what they
spent in all (purchases, less what refunds gave back)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from questline.engine.mechanics import localize
from questline.errors import UnknownPlayer
from questline.processing.designs import DesignCache
from questline.services.purchases import current_design
from questline.storage import economy


@dataclass(frozen=True)
class WalletLine:
    currency: str
    name: str | None
    spendable: bool
    balance: int
    earned: int
    spent: int


def wallet(session: Session, designs: DesignCache, app_id: int, player: str) -> list[WalletLine]:
    """Every currency of the design (at 0 if never moved), then any other the player
    holds (one a later design dropped)."""
    player_id = economy.player_id(session, app_id, player)
    if player_id is None:
        raise UnknownPlayer(player)
    design = current_design(session, designs, app_id)
    currencies = design.currencies if design is not None else {}
    held = economy.wallet_rows(session, player_id)
    lines = []
    for key in [*currencies, *sorted(set(held) - set(currencies))]:
        balance, earned, spent = held.get(key, (0, 0, 0))
        spec = currencies.get(key)
        lines.append(
            WalletLine(
                key,
                localize(spec.name, None) if spec is not None else None,
                spec.spendable if spec is not None else False,
                balance,
                earned,
                spent,
            )
        )
    return lines
