"""POST /v1/players/{id}/grants: an administrator gives a player an amount of a currency,
or takes some back — audited, and applied in the player's order exactly once (a grant is
an event of the reserved type `questline.grant`; see engine.grants)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from questline.api.events import EventAccepted
from questline.api.http.deps import ContextDep, PlayerManager
from questline.api.inputs import Identifier
from questline.api.mechanic_reads import current_design
from questline.engine.grants import GRANT_EVENT
from questline.engine.process import MAX_AWARD
from questline.errors import InvalidInput
from questline.processing.ingest import NewEvent, ingest
from questline.processing.submission import statuses
from questline.storage import audit
from questline.storage.players import find_player

router = APIRouter(tags=["players"])


class GrantIn(BaseModel):
    """An amount of a currency to give a player (negative to take some back), and why."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "support-4711",
                    "currency": "gems",
                    "amount": 50,
                    "reason": "refund for a purchase that failed",
                }
            ]
        },
    )

    id: Identifier | None = Field(
        default=None, description="your idempotency key: sent again, the grant applies once"
    )
    currency: str = Field(min_length=1, max_length=100)
    amount: int = Field(
        strict=True,
        ge=-MAX_AWARD,
        le=MAX_AWARD,
        description="a whole number other than 0; kept in bounds",
    )
    reason: str = Field(min_length=1, max_length=500, description="shown in the ledger")

    @field_validator("amount")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("a grant of 0 changes nothing")
        return value


@router.post(
    "/v1/players/{player_id}/grants",
    status_code=status.HTTP_201_CREATED,
    summary="Give a player an amount of a currency, or take some back (audited)",
    responses={200: {"model": EventAccepted, "description": "a replay of a known id"}},
)
def grant(
    player_id: str,
    body: GrantIn,
    principal: PlayerManager,
    context: ContextDep,
    response: Response,
) -> EventAccepted:
    with context.database.transaction() as session:
        find_player(session, principal.app_id, player_id)
        design = current_design(context, session, principal.app_id)
        if body.currency not in design.currencies:
            known = ", ".join(sorted(design.currencies)) or "none"
            raise InvalidInput(
                f"the game design has no currency '{body.currency}' (currencies: {known})",
                errors=[{"loc": ["currency"], "message": "not a currency of the design"}],
            )
        event = NewEvent(
            type=GRANT_EVENT,
            player=player_id,
            key=body.id,
            properties={
                "currency": body.currency,
                "amount": body.amount,
                "reason": body.reason,
                "by": principal.actor,
            },
        )
        [result] = ingest(session, principal.app_id, [event], datetime.now(UTC))
        assert result.key is not None
        assert result.seq is not None
        if not result.duplicate:
            audit.record(
                session,
                principal,
                "player.grant",
                "player",
                player_id,
                after={
                    "grant": result.key,
                    "currency": body.currency,
                    "amount": body.amount,
                    "reason": body.reason,
                },
            )
    # Applied before answering, after anything of the player's still pending.
    assert result.player_id is not None
    context.worker.drain(player_ids=[result.player_id], up_to_seq=result.seq)
    found = statuses(context.database, [result.seq])[result.seq]
    if result.duplicate:
        response.status_code = status.HTTP_200_OK
    return EventAccepted(
        id=result.key,
        status=found.status,
        duplicate=result.duplicate,
        received_at=found.received_at,
        effects=found.effects if found.status == "processed" else None,
        error=found.error,
    )
