"""POST /v1/players/{id}/grants: an administrator gives a player an amount of a currency,
or takes some back — audited, and applied in the player's order exactly once (the use case
is `services.grants`)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from questline.api.event_schemas import EventAccepted
from questline.api.http.deps import ContextDep, FlowDep, PlayerManager
from questline.api.inputs import Identifier
from questline.engine.process import MAX_AWARD
from questline.services import grants

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
    flow: FlowDep,
    response: Response,
) -> EventAccepted:
    # The use case owns its unit of work: the grant is applied after its commit.
    done = grants.grant(
        flow,
        context.designs,
        principal,
        player_id,
        grants.Grant(body.id, body.currency, body.amount, body.reason, by=principal.actor),
        datetime.now(UTC),
    )
    if done.duplicate:
        response.status_code = status.HTTP_200_OK
    return EventAccepted.of(done.key, done.status, done.duplicate)
