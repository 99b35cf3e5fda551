"""/v1/analytics/…: an app's engagement figures for its own dashboards."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from questline.analytics import service
from questline.analytics.model import DateRange, Interval
from questline.analytics.schemas import (
    AchievementsOut,
    ActivityOut,
    AwardsOut,
    CohortsOut,
    LevelsOut,
    NewPlayersOut,
    QuestsOut,
    RangeOut,
    StreaksOut,
)
from questline.analytics.snapshots import ACHIEVEMENTS, LEVELS, QUESTS, STREAKS
from questline.api.http.deps import ContextDep, PlayerViewer, ReadSessionDep
from questline.api.http.problems import problems
from questline.api.http.sessions import SessionRoute

router = APIRouter(prefix="/v1/analytics", tags=["analytics"], route_class=SessionRoute)

From = Annotated[
    date, Query(alias="from", description="the first local day (YYYY-MM-DD), included")
]
To = Annotated[
    date,
    Query(description="the last local day (YYYY-MM-DD), included; at most 366 days in all"),
]
_RANGE_PROBLEMS = problems(422)


def _range(session: Session, app_id: int, days: DateRange) -> RangeOut:
    return RangeOut.model_validate(
        {"from": days.start, "to": days.end, "time_zone": service.time_zone(session, app_id)}
    )


@router.get(
    "/activity",
    summary="Active players and events per day, ISO week or month",
    responses=_RANGE_PROBLEMS,
)
def get_activity(
    principal: PlayerViewer,
    session: ReadSessionDep,
    from_: From,
    to: To,
    interval: Annotated[
        Literal["day", "week", "month"], Query(description="day, ISO week or month")
    ] = "day",
) -> ActivityOut:
    days = DateRange.of(from_, to)
    points = service.activity(session, principal.app_id, days, Interval(interval))
    return ActivityOut.model_validate(
        {
            "range": _range(session, principal.app_id, days),
            "interval": interval,
            "data": [vars(p) for p in points],
        }
    )


@router.get("/awards", summary="Amounts awarded per day, by currency", responses=_RANGE_PROBLEMS)
def get_awards(principal: PlayerViewer, session: ReadSessionDep, from_: From, to: To) -> AwardsOut:
    days = DateRange.of(from_, to)
    points = service.awards(session, principal.app_id, days)
    return AwardsOut.model_validate(
        {"range": _range(session, principal.app_id, days), "data": [vars(p) for p in points]}
    )


@router.get(
    "/new-players", summary="Players per day of their first event", responses=_RANGE_PROBLEMS
)
def get_new_players(
    principal: PlayerViewer, session: ReadSessionDep, from_: From, to: To
) -> NewPlayersOut:
    days = DateRange.of(from_, to)
    points = service.new_players(session, principal.app_id, days)
    return NewPlayersOut.model_validate(
        {"range": _range(session, principal.app_id, days), "data": [vars(p) for p in points]}
    )


@router.get(
    "/retention",
    summary="Weekly cohorts of new players, active on day 1, 7 and 30",
    responses=_RANGE_PROBLEMS,
)
def get_retention(
    principal: PlayerViewer, session: ReadSessionDep, from_: From, to: To
) -> CohortsOut:
    days = DateRange.of(from_, to)
    cohorts = service.retention(session, principal.app_id, days)
    return CohortsOut.model_validate(
        {
            "range": _range(session, principal.app_id, days),
            "data": [
                {
                    "week": c.week,
                    "new_players": c.new_players,
                    "retention": [vars(r) for r in c.retention],
                }
                for c in cohorts
            ],
        }
    )


def _distribution(
    session: Session, context: ContextDep, app_id: int, figure: str
) -> dict[str, Any]:
    found = service.distribution(session, context.designs, app_id, figure)
    return {"as_of": found.as_of, **found.data}


@router.get("/levels", summary="Players per level, per currency with levels")
def get_levels(principal: PlayerViewer, session: ReadSessionDep, context: ContextDep) -> LevelsOut:
    return LevelsOut.model_validate(_distribution(session, context, principal.app_id, LEVELS))


@router.get("/streaks", summary="Current streak lengths, bucketed")
def get_streaks(
    principal: PlayerViewer, session: ReadSessionDep, context: ContextDep
) -> StreaksOut:
    return StreaksOut.model_validate(_distribution(session, context, principal.app_id, STREAKS))


@router.get("/achievements", summary="Share of players who unlocked each achievement")
def get_achievements(
    principal: PlayerViewer, session: ReadSessionDep, context: ContextDep
) -> AchievementsOut:
    return AchievementsOut.model_validate(
        _distribution(session, context, principal.app_id, ACHIEVEMENTS)
    )


@router.get("/quests", summary="Quest funnels: started, each objective, completed")
def get_quests(principal: PlayerViewer, session: ReadSessionDep, context: ContextDep) -> QuestsOut:
    return QuestsOut.model_validate(_distribution(session, context, principal.app_id, QUESTS))
