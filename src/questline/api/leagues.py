"""/v1/leagues and a player's league: tiers, groups of the week, results."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from pydantic.config import JsonDict
from sqlalchemy.orm import Session

from questline.api.http.context import Context
from questline.api.http.deps import ContextDep, PlayerViewer, ReadSessionDep
from questline.api.http.sessions import SessionRoute
from questline.auth.principals import PrincipalKind
from questline.engine.leagues import League, league_week
from questline.errors import Forbidden, NotFound
from questline.storage import leagues
from questline.storage.players import find_player

router = APIRouter(tags=["leagues"], route_class=SessionRoute)


_MEMBER: JsonDict = {
    "player": "p29",
    "display_name": "Ada",
    "avatar_url": "https://cdn.example.com/avatars/p29.png",
    "score": 129,
    "rank": 1,
    "outcome": "promoted",
}
_RESULT: JsonDict = {"week": "2026-11-09", "tier": "bronze", "rank": 1, "outcome": "promoted"}


class GroupMemberOut(BaseModel):
    """A player's standing in a league group, and where the rollover moved them."""

    model_config = ConfigDict(json_schema_extra={"examples": [_MEMBER]})

    player: str
    display_name: str | None
    avatar_url: str | None
    score: int
    rank: int
    outcome: str | None


class GroupOut(BaseModel):
    """A league group of one week: its tier, how many move up and down, its standings."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    "tier": "bronze",
                    "week": "2026-11-16",
                    "final": True,
                    "promote": 10,
                    "demote": 0,
                    "members": [_MEMBER],
                }
            ]
        }
    )

    id: int
    tier: str
    week: str
    final: bool
    promote: int
    demote: int
    members: list[GroupMemberOut]


class ResultOut(BaseModel):
    """How a settled league week ended for a player."""

    model_config = ConfigDict(json_schema_extra={"examples": [_RESULT]})

    week: str
    tier: str
    rank: int | None
    outcome: str | None


class PlayerLeagueOut(BaseModel):
    """A player's league this week: tier, group, rank, and their last settled week."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "player": "p29",
                    "tier": "silver",
                    "week": "2026-11-16",
                    "starts_at": "2026-11-16T00:00:00Z",
                    "ends_at": "2026-11-23T00:00:00Z",
                    "group": 12,
                    "rank": 3,
                    "score": 120,
                    "members": 30,
                    "promote": 7,
                    "demote": 5,
                    "last_result": _RESULT,
                }
            ]
        }
    )

    player: str
    tier: str
    week: str
    starts_at: datetime
    ends_at: datetime
    group: int | None
    rank: int | None
    score: int
    members: int | None
    promote: int
    demote: int
    last_result: ResultOut | None


def _league(context: ContextDep, session: Session, app_id: int) -> League:
    design = context.designs.current(session, {app_id}).get(app_id)
    if design is None or design.design.leagues is None:
        raise NotFound("the game design has no league")
    return design.design.leagues


def _members(session: Session, group_id: int) -> list[GroupMemberOut]:
    return [
        GroupMemberOut(
            player=r.external_id,
            display_name=r.display_name,
            avatar_url=r.avatar_url,
            score=r.score,
            rank=index + 1,
            outcome=r.outcome,
        )
        for index, r in enumerate(leagues.group_standings(session, group_id))
    ]


def _tier_name(league: League, tier: int) -> str:
    return league.tiers[min(tier, len(league.tiers) - 1)].name


@router.get("/v1/players/{player_id}/league", summary="A player's league: tier, group, rank")
def get_player_league(
    player_id: str, principal: PlayerViewer, session: ReadSessionDep, context: ContextDep
) -> PlayerLeagueOut:
    return read_player_league(context, session, principal.app_id, player_id)


def read_player_league(
    context: Context, session: Session, app_id: int, player_id: str
) -> PlayerLeagueOut:
    """A player's league this week: tier, group, rank and the last result."""
    league = _league(context, session, app_id)
    player = find_player(session, app_id, player_id)
    tier = leagues.player_tier(session, app_id, player.id)
    week = league_week(league, datetime.now(UTC))
    entry = leagues.week_entry(session, app_id, week.key, player.id)
    group_id = rank = members = None
    score = 0
    if entry is not None:
        group = leagues.get_group(session, entry.group_id)
        assert group is not None
        if group.finalized_at is None:
            tier = group.tier  # the tier this week is played in (settled: the next one)
        standings = _members(session, entry.group_id)
        group_id, score, members = entry.group_id, entry.score, len(standings)
        rank = next(m.rank for m in standings if m.player == player_id)
    last = leagues.last_result(session, app_id, player.id)
    spec = league.tiers[min(tier or 0, len(league.tiers) - 1)]
    return PlayerLeagueOut(
        player=player_id,
        tier=spec.name,
        week=week.key,
        starts_at=week.starts_at,
        ends_at=week.ends_at,
        group=group_id,
        rank=rank,
        score=score,
        members=members,
        promote=spec.promote,
        demote=spec.demote,
        last_result=(
            ResultOut(
                week=last[0].week,
                tier=_tier_name(league, last[1]),
                rank=last[0].rank,
                outcome=last[0].outcome,
            )
            if last is not None
            else None
        ),
    )


@router.get("/v1/leagues/{tier}/groups/{group_id}", summary="A league group's standings")
def get_group(
    tier: str, group_id: int, principal: PlayerViewer, session: ReadSessionDep, context: ContextDep
) -> GroupOut:
    viewer = principal.player if principal.kind is PrincipalKind.PLAYER else None
    return read_group(context, session, principal.app_id, tier, group_id, viewer)


def read_group(
    context: Context,
    session: Session,
    app_id: int,
    tier: str,
    group_id: int,
    viewer: str | None = None,
) -> GroupOut:
    """A league group's standings, with its promotion and demotion zones. With `viewer`
    (a player's own client), only a group that player plays or played in."""
    league = _league(context, session, app_id)
    index = league.tier_index(tier)
    if index is None:
        tiers = ", ".join(t.name for t in league.tiers)
        raise NotFound(f"no tier '{tier}' (tiers: {tiers})")
    group = leagues.get_group(session, group_id)
    if group is None or group.app_id != app_id or group.tier != index:
        raise NotFound(f"no group {group_id} in tier '{tier}'")
    members = _members(session, group.id)
    if viewer is not None and all(m.player != viewer for m in members):
        raise Forbidden("a player token reads only a league group its player is in")
    spec = league.tiers[index]
    return GroupOut(
        id=group.id,
        tier=spec.name,
        week=group.week,
        final=group.finalized_at is not None,
        promote=spec.promote,
        demote=spec.demote,
        members=members,
    )
