"""A player's wallet: balances, with all they earned and all they spent."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from pydantic.config import JsonDict

from questline.api.http.deps import ContextDep, PlayerViewer, ReadSessionDep
from questline.api.http.sessions import SessionRoute
from questline.services import wallet

router = APIRouter(tags=["economy"], route_class=SessionRoute)

_GEMS: JsonDict = {
    "name": "Gems",
    "spendable": True,
    "balance": 70,
    "earned": 320,
    "spent": 250,
}


class WalletCurrencyOut(BaseModel):
    """A balance, all that was earned (lifetime, positive awards) and all that was spent
    (purchases, less what refunds gave back)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_GEMS]})

    name: str | None = None
    spendable: bool
    balance: int
    earned: int
    spent: int


class WalletOut(BaseModel):
    """A player's wallet: every currency of the design."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"player": "zoe", "currencies": {"gems": _GEMS}}]}
    )

    player: str
    currencies: dict[str, WalletCurrencyOut]


@router.get(
    "/v1/players/{player_id}/wallet",
    summary="A player's balances, with all they earned and all they spent",
)
def get_wallet(
    player_id: str, principal: PlayerViewer, session: ReadSessionDep, context: ContextDep
) -> WalletOut:
    lines = wallet.wallet(session, context.designs, principal.app_id, player_id)
    return WalletOut(
        player=player_id,
        currencies={
            line.currency: WalletCurrencyOut(
                name=line.name,
                spendable=line.spendable,
                balance=line.balance,
                earned=line.earned,
                spent=line.spent,
            )
            for line in lines
        },
    )
