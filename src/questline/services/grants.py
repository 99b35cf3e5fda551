"""Manual grants: an administrator gives a player an amount of a currency, or takes some
back. A grant is an event of the reserved type `questline.grant` (see engine.grants), so it
is applied in the player's order exactly once, with an audit entry in the same unit of work,
and applied before the answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from questline.engine.grants import GRANT_EVENT
from questline.errors import InvalidInput
from questline.processing.designs import DesignCache
from questline.processing.ingest import NewEvent
from questline.processing.submission import EventFlow, EventStatus
from questline.storage import audit
from questline.storage.audit import Actor
from questline.storage.players import find_player


@dataclass(frozen=True, slots=True)
class Grant:
    key: str | None  # the caller's idempotency key
    currency: str
    amount: int
    reason: str
    by: str  # who grants, as the ledger names them


@dataclass(frozen=True, slots=True)
class Granted:
    key: str
    duplicate: bool
    status: EventStatus


def grant(
    flow: EventFlow, designs: DesignCache, who: Actor, player_id: str, grant: Grant, now: datetime
) -> Granted:
    """Record the grant (once per key) and apply it, after anything of the player's still
    pending. Raises UnknownPlayer, or InvalidInput for a currency the design lacks."""
    app_id = who.app_id
    with flow.database.transaction() as session:
        find_player(session, app_id, player_id)
        design = designs.current(session, {app_id}).get(app_id)
        currencies = design.currencies if design is not None else {}
        if grant.currency not in currencies:
            known = ", ".join(sorted(currencies)) or "none"
            raise InvalidInput(
                f"the game design has no currency '{grant.currency}' (currencies: {known})",
                errors=[{"loc": ["currency"], "message": "not a currency of the design"}],
            )
        event = NewEvent(
            type=GRANT_EVENT,
            player=player_id,
            key=grant.key,
            properties={
                "currency": grant.currency,
                "amount": grant.amount,
                "reason": grant.reason,
                "by": grant.by,
            },
        )
        [result] = flow.append(session, app_id, [event], now)
        assert result.key is not None
        assert result.seq is not None
        assert result.player_id is not None
        if not result.duplicate:
            audit.record(
                session,
                who,
                "player.grant",
                "player",
                player_id,
                after={
                    "grant": result.key,
                    "currency": grant.currency,
                    "amount": grant.amount,
                    "reason": grant.reason,
                },
            )
    return Granted(result.key, result.duplicate, flow.settle(result.player_id, result.seq))
