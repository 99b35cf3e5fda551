"""A player's state as of now, for reads and jobs outside event processing: "today"
and "this week" are the player's own, in their current time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from questline.engine.compiler import CompiledDesign
from questline.engine.periods import Period, local_date, period_keys
from questline.engine.state import Balance, PlayerState
from questline.engine.view import StateView
from questline.processing import mechanics_rows
from questline.storage.bulk import BulkWriter
from questline.storage.models import Player


@dataclass
class PlayerView:
    player: Player
    design: CompiledDesign
    now: datetime
    state_view: StateView

    @property
    def state(self) -> PlayerState:
        return self.state_view.state

    @property
    def periods(self) -> dict[Period, str]:
        return self.state_view.periods


def load_view(
    session: Session, design: CompiledDesign, player: Player, now: datetime
) -> PlayerView:
    periods = period_keys(local_date(now, player.time_zone))
    return PlayerView(
        player, design, now, StateView(load_state(session, player.id, periods), periods, design)
    )


def load_state(session: Session, player_id: int, periods: dict[Period, str]) -> PlayerState:
    bulk = BulkWriter(session)
    states = {player_id: PlayerState(str(player_id))}
    state = states[player_id]
    for currency, balance, earned in bulk.fetch(
        "SELECT currency, balance, earned FROM balances WHERE player_id = ?", player_id
    ):
        state.balances[currency] = Balance(balance, earned)
    for key, period, value in bulk.fetch(
        "SELECT key, period, value FROM counters WHERE player_id = ? AND period IN ?list",
        player_id,
        sorted(set(periods.values())),
    ):
        state.counters[(key, period)] = value
    mechanics_rows.load(bulk, states, [player_id], sorted(set(periods.values())))
    return state
