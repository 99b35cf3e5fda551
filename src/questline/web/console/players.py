"""What the console's player pages show, read through the functions the API's player
routes answer with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from questline.api.achievements import PlayerAchievementOut, read_player_achievements
from questline.api.event_schemas import EventOut, event_out
from questline.api.http.context import Context
from questline.api.leaderboard_schemas import RankOut
from questline.api.leaderboards import read_ranks
from questline.api.players import LedgerEntryOut, PlayerOut, read_ledger, read_player_state
from questline.api.quests import PlayerQuestOut, read_player_quests
from questline.api.scores import ScoreOut, read_player_scores
from questline.api.streaks import StreakOut, read_player_streaks
from questline.storage.audit import player_audit
from questline.storage.models import AuditEntry, Player
from questline.storage.players import find_player, recent_events, search_players

FOUND_SHOWN = 50
LEDGER_SHOWN = 100
AUDIT_SHOWN = 20
EVENTS_SHOWN = 20


def search(session: Session, app_id: int, text: str) -> list[Player]:
    if not text:
        return []
    return list(session.scalars(search_players(app_id, text).limit(FOUND_SHOWN)))


@dataclass(frozen=True)
class PlayerPage:
    state: PlayerOut
    ledger: list[LedgerEntryOut]
    achievements: list[PlayerAchievementOut]
    streaks: list[StreakOut]
    quests: list[PlayerQuestOut]
    audit: list[AuditEntry]
    currencies: list[str]
    events: list[EventOut]
    scores: list[ScoreOut]
    ranks: list[RankOut]

    def breakdown_lines(self, entry: LedgerEntryOut) -> list[tuple[str, Any]]:
        return sorted(entry.breakdown.items())


def player_page(context: Context, session: Session, app_id: int, player_id: str) -> PlayerPage:
    """Everything about one player (404 for an id the app has never seen)."""
    state = read_player_state(context, session, app_id, player_id)
    design = context.designs.current_for_reads(session, app_id)
    player = find_player(session, app_id, player_id)
    events = session.scalars(recent_events(player.id).limit(EVENTS_SHOWN))
    return PlayerPage(
        state=state,
        ledger=read_ledger(session, app_id, player_id, LEDGER_SHOWN).data,
        achievements=read_player_achievements(context, session, app_id, player_id, None).data,
        streaks=read_player_streaks(context, session, app_id, player_id).data,
        quests=read_player_quests(context, session, app_id, player_id, None).data,
        audit=list(session.scalars(player_audit(app_id, player_id).limit(AUDIT_SHOWN))),
        currencies=sorted(design.currencies) if design is not None else [],
        events=[event_out(event, player_id) for event in events],
        scores=read_player_scores(context, session, app_id, player_id, state.locale).data,
        ranks=read_ranks(context, session, app_id, player_id).data,
    )
