"""/console/leaderboards and /console/leagues: every board of the design, its current
standings and its past runs, and a league group's standings — read only, through the
functions the API's leaderboard and league routes answer with."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from questline.api import leaderboards, leagues
from questline.api.http.deps import ContextDep, ReadSessionDep
from questline.api.http.sessions import SessionRoute
from questline.leaderboards.service import CURRENT
from questline.web.console.pages import PREFIX, Caller, render, see_other

router = APIRouter(prefix=PREFIX, route_class=SessionRoute, include_in_schema=False)

STANDINGS_SHOWN = 50
RUNS_SHOWN = 50
Key = Annotated[str, Path(min_length=1, max_length=200)]
Text = Annotated[str, Query(max_length=200)]


@router.get("/leaderboards")
def boards_page(caller: Caller, session: ReadSessionDep, context: ContextDep) -> Response:
    design = context.designs.current_for_reads(session, caller.principal.app_id)
    boards = sorted((design.leaderboards if design else {}).items())
    return render(
        caller,
        "leaderboards.html",
        section="/console/leaderboards",
        boards=[(key, board.spec) for key, board in boards],
    )


@router.get("/leaderboards/{key}")
def board_page(
    key: Key,
    caller: Caller,
    session: ReadSessionDep,
    context: ContextDep,
    run: Text = CURRENT,
    partition: Text = "",
    cursor: Text = "",
) -> Response:
    page = leaderboards.read_board(
        key,
        run or CURRENT,
        caller.principal,
        session,
        context,
        STANDINGS_SHOWN,
        cursor or None,
        None,
        0,
        None,
        partition or None,
    )
    runs = leaderboards.read_runs(context, session, caller.principal.app_id, key, RUNS_SHOWN)
    return render(
        caller,
        "leaderboard.html",
        section="/console/leaderboards",
        board=page,
        runs=runs.data,
        chosen=run or CURRENT,
        partition=partition,
    )


@router.get("/leagues")
def open_group(caller: Caller, tier: Text = "", group: Text = "") -> Response:
    del caller  # the policy let a reader this far; the group's page reads the group
    if not tier or not group.isdigit():
        return see_other(f"{PREFIX}/leaderboards")
    return see_other(f"{PREFIX}/leagues/{tier}/groups/{group}")


@router.get("/leagues/{tier}/groups/{group_id}")
def group_page(
    tier: Key,
    group_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    caller: Caller,
    session: ReadSessionDep,
    context: ContextDep,
) -> Response:
    group = leagues.read_group(context, session, caller.principal.app_id, tier, group_id)
    return render(caller, "league_group.html", section="/console/leaderboards", group=group)
