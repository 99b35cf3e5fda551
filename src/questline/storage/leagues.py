"""League reads: a player's tier and week, a group and its standings, the last result.

What the rollover and the projection write goes through plain SQL of their own
(leagues/rollover.py, leagues/projection.py); these are the reads the API and the pages
make.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from questline.storage.models import LeagueEntry, LeagueGroup, LeagueMember, Player

GroupStanding = Row[tuple[str, str | None, str | None, int, int, str | None]]


def group_standings(session: Session, group_id: int) -> list[GroupStanding]:
    """A group's players with their score and outcome, best first (ties: who got there
    first, then by id)."""
    rows: Sequence[GroupStanding] = session.execute(
        select(
            Player.external_id,
            Player.display_name,
            Player.avatar_url,
            LeagueEntry.score,
            LeagueEntry.seq,
            LeagueEntry.outcome,
        )
        .join(Player, Player.id == LeagueEntry.player_id)
        .where(LeagueEntry.group_id == group_id)
    ).all()
    return sorted(rows, key=lambda r: (-r.score, r.seq, r.external_id))


def get_group(session: Session, group_id: int) -> LeagueGroup | None:
    return session.get(LeagueGroup, group_id)


def player_tier(session: Session, app_id: int, player_id: int) -> int | None:
    """The tier a player carries from week to week; None before their first week."""
    return session.scalar(
        select(LeagueMember.tier).where(
            LeagueMember.app_id == app_id, LeagueMember.player_id == player_id
        )
    )


def week_entry(session: Session, app_id: int, week: str, player_id: int) -> LeagueEntry | None:
    """A player's entry in a league week, if they have played in it."""
    return session.scalar(
        select(LeagueEntry).where(
            LeagueEntry.app_id == app_id,
            LeagueEntry.week == week,
            LeagueEntry.player_id == player_id,
        )
    )


def last_result(session: Session, app_id: int, player_id: int) -> tuple[LeagueEntry, int] | None:
    """A player's latest settled week, with the tier of the group it was played in."""
    return (
        session.execute(
            select(LeagueEntry, LeagueGroup.tier)
            .join(LeagueGroup, LeagueGroup.id == LeagueEntry.group_id)
            .where(
                LeagueEntry.app_id == app_id,
                LeagueEntry.player_id == player_id,
                LeagueEntry.outcome.is_not(None),
            )
            .order_by(LeagueEntry.week.desc())
            .limit(1)
        )
        .tuples()
        .first()
    )
