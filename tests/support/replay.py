"""The yardstick of the fault tests: replay the event log through the pure engine, in
log order, once per event, and compare with what the workers wrote."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from questline.engine import PlayerState, compile_design
from questline.engine.effects import CurrencyAwarded
from questline.engine.expressions import coerce_value
from questline.engine.process import step
from questline.engine.state import Event
from questline.storage import configs
from questline.storage.database import Database
from questline.storage.models import Balance, LedgerEntry, Player
from questline.storage.models import Event as EventRow


@dataclass
class Outcome:
    """Balances by (player, currency), and ledger entries per event."""

    balances: dict[tuple[str, str], int]
    ledger_entries: Counter[int]
    pending: int


def replay(database: Database, app_id: int) -> Outcome:
    with database.reader() as session:
        row = configs.current(session, app_id)
        assert row is not None, "no design published"
        design = compile_design(row.document, row.version)
        events = session.execute(
            select(
                EventRow.seq,
                Player.external_id,
                EventRow.type,
                EventRow.occurred_at,
                EventRow.time_zone,
                EventRow.properties,
            )
            .join(Player, Player.id == EventRow.player_id)
            .where(EventRow.app_id == app_id)
            .order_by(EventRow.seq)
        ).all()
    states: dict[str, PlayerState] = {}
    entries: Counter[int] = Counter()
    for seq, player, type_, occurred_at, zone, properties in events:
        state = states.setdefault(player, PlayerState(player))
        values = {k: coerce_value(v) for k, v in properties.items()}
        event = Event(
            seq, type_, occurred_at, zone, {k: v for k, v in values.items() if v is not None}
        )
        effects, states[player] = step(state, event, design)
        entries[seq] += sum(
            1 for e in effects.items if isinstance(e, CurrencyAwarded) and e.amount != 0
        )
    balances = {
        (player, currency): held.balance
        for player, state in states.items()
        for currency, held in state.balances.items()
        if held.balance != 0
    }
    return Outcome(balances, +entries, 0)


def stored(database: Database, app_id: int) -> Outcome:
    with database.reader() as session:
        balances = {
            (player, currency): amount
            for player, currency, amount in session.execute(
                select(Player.external_id, Balance.currency, Balance.balance)
                .join(Player, Player.id == Balance.player_id)
                .where(Player.app_id == app_id, Balance.balance != 0)
            )
        }
        counted = session.execute(
            select(LedgerEntry.event_seq, func.count())
            .where(LedgerEntry.app_id == app_id)
            .group_by(LedgerEntry.event_seq)
        ).tuples()
        entries = Counter(dict(counted.all()))
        pending = session.scalar(
            select(func.count()).where(EventRow.app_id == app_id, EventRow.status == "pending")
        )
    return Outcome(balances, entries, int(pending or 0))
