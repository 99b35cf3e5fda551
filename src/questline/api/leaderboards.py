"""/v1/leaderboards: standings of the boards a game design declares, and a player's ranks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from questline.api.http.context import Circle, Context
from questline.api.http.deps import (
    ContextDep,
    EventWriter,
    PlayerViewer,
    ReadSessionDep,
    SessionDep,
)
from questline.api.http.paging import Cursor, decode_cursor, encode_cursor
from questline.api.http.sessions import SessionRoute
from questline.api.leaderboard_schemas import (
    BoardPage,
    Profiles,
    RankList,
    RankOut,
    RunList,
    RunOut,
    VisibilityIn,
    VisibilityOut,
    board_page,
)
from questline.api.leaderboard_top import top_from_memory
from questline.auth.principals import PrincipalKind
from questline.errors import Forbidden, InvalidInput, NotFound
from questline.leaderboards.service import (
    CURRENT,
    LeaderboardReader,
    partition_of,
    runs_of,
    standing_of,
)
from questline.leaderboards.sql import SqlLeaderboardStore
from questline.leaderboards.store import BoardRun, Standing
from questline.leaderboards.visibility import set_hidden
from questline.storage.players import find_player, profiles_of

router = APIRouter(tags=["leaderboards"], route_class=SessionRoute)


Period = Annotated[
    str, Query(description="`current`, or a run: `all`, `window`, or the date it starts")
]


def _reader(context: ContextDep) -> LeaderboardReader:
    reader: LeaderboardReader = context.leaderboards
    return reader


def read_board(
    key: str,
    period: str,
    principal: PlayerViewer,
    session: ReadSessionDep,
    context: ContextDep,
    limit: int,
    cursor: str | None,
    around: str | None,
    radius: int,
    players: str | None,
    partition: str | None,
    among: str | None = None,
    player: str | None = None,
) -> BoardPage:
    reader = _reader(context)
    design = context.designs.current_for_reads(session, principal.app_id)
    board = reader.board(design, key)
    located = reader.locate(session, principal.app_id, board, period)
    circle = _circle(context, among, player, around, players)
    if circle is not None and principal.kind is PrincipalKind.PLAYER and player != principal.player:
        # Whom another player follows is theirs to see, not the board's to tell.
        raise Forbidden("a player token ranks only its own circle (`player` must be itself)")
    anchor = around if circle is None else player
    partitioned = board.spec.partition_by is not None
    if partitioned and partition is None:
        if anchor is None:
            raise InvalidInput(
                f"leaderboard '{key}' is partitioned by '{board.spec.partition_by}':"
                " say which partition, or pass `around` to use that player's",
                errors=[{"loc": ["query", "partition"], "message": "required for this board"}],
            )
        partition = partition_of(session, principal.app_id, anchor, board.spec.partition_by)
    if not partitioned and partition is not None:
        raise InvalidInput(
            f"leaderboard '{key}' is not partitioned",
            errors=[{"loc": ["query", "partition"], "message": "not allowed for this board"}],
        )
    board_run = BoardRun(principal.app_id, key, located.run.key, partition or "")
    shown = partition if partitioned else None

    def names(entries: list[Standing]) -> Profiles:
        # A circle's board comes with them, read with the scores.
        known = {e.player: e.profile for e in entries if e.profile is not None}
        if len(known) == len(entries):
            return known
        return profiles_of(session, principal.app_id, (e.player for e in entries))

    if circle is not None and player is not None:
        offset = decode_cursor(cursor) or 0
        found = reader.circle(
            located, board_run, circle(session, principal.app_id, player), offset, limit
        )
        shown_entries = found.entries if found.owner is None else [*found.entries, found.owner]
        return board_page(
            names(shown_entries),
            located,
            shown,
            found.entries,
            found.total,
            encode_cursor(offset + limit) if found.total > offset + limit else None,
            found.owner,
        )
    if players is not None:
        if around is not None or cursor is not None:
            raise InvalidInput(
                "`players` ranks a given set of players and cannot be combined with"
                " `around` or `cursor`",
                errors=[{"loc": ["query", "players"], "message": "use on its own"}],
            )
        wanted = [p for p in (part.strip() for part in players.split(",")) if p]
        if not wanted or len(wanted) > 500:
            raise InvalidInput(
                "`players` takes 1 to 500 comma-separated player ids",
                errors=[{"loc": ["query", "players"], "message": "1 to 500 ids"}],
            )
        entries = reader.among(located, board_run, wanted)
        return board_page(names(entries), located, shown, entries, len(entries), None)
    if around is not None:
        page = reader.around(located, board_run, around, radius)
        if page is None:
            raise NotFound(f"player '{around}' is not on leaderboard '{key}' ({located.run.key})")
        return board_page(names(page.entries), located, shown, page.entries, page.total, None)
    offset = decode_cursor(cursor) or 0
    page = reader.top(located, board_run, offset, limit + 1)
    more = len(page.entries) > limit
    return board_page(
        names(page.entries[:limit]),
        located,
        shown,
        page.entries[:limit],
        None,
        encode_cursor(offset + limit) if more else None,
    )


def _circle(
    context: Context,
    among: str | None,
    player: str | None,
    around: str | None,
    players: str | None,
) -> Circle | None:
    """The circle `among` names (a module provides it: `following` with social), checked
    against the other ways of choosing whom to show."""
    if among is None:
        if player is not None:
            raise InvalidInput(
                "`player` names whose circle to rank: give `among` too",
                errors=[{"loc": ["query", "among"], "message": "required with `player`"}],
            )
        return None
    circle = context.circles.get(among)
    if circle is None:
        known = ", ".join(sorted(context.circles)) or "none on this server"
        raise InvalidInput(
            f"'{among}' is not a circle to rank among ({known})",
            errors=[{"loc": ["query", "among"], "message": f"one of: {known}"}],
        )
    if player is None:
        raise InvalidInput(
            f"`among={among}` ranks a player's circle: say whose with `player`",
            errors=[{"loc": ["query", "player"], "message": "required with `among`"}],
        )
    if around is not None or players is not None:
        raise InvalidInput(
            "`among` ranks a circle of players and cannot be combined with `around` or `players`",
            errors=[{"loc": ["query", "among"], "message": "use on its own"}],
        )
    return circle


@router.get(
    "/v1/leaderboards/{key}",
    summary="A leaderboard: the top, a page, or around a player",
    response_model=BoardPage,
)
async def get_leaderboard(
    key: str,
    principal: PlayerViewer,
    context: ContextDep,
    period: Period = CURRENT,
    limit: Annotated[int, Query(ge=1, le=500, description="page size")] = 10,
    cursor: Cursor = None,
    around: Annotated[
        str | None, Query(description="a player: show them and their neighbours")
    ] = None,
    radius: Annotated[int, Query(ge=0, le=100, description="neighbours above and below")] = 5,
    players: Annotated[
        str | None, Query(description="comma-separated player ids: rank just these (friends)")
    ] = None,
    partition: Annotated[
        str | None, Query(description="for a partitioned board: the attribute's value")
    ] = None,
    among: Annotated[
        str | None,
        Query(
            description="`following`: rank the players `player` follows, and them (friends):"
            " a page of `limit` from `cursor`, with `player`'s own standing"
        ),
    ] = None,
    player: Annotated[
        str | None, Query(min_length=1, max_length=200, description="whose circle `among` ranks")
    ] = None,
) -> BoardPage | Response:
    if period == CURRENT and around is None and players is None and among is None and not player:
        page = await top_from_memory(key, principal.app_id, context, limit, cursor, partition)
        if page is not None:
            return page

    def read() -> BoardPage:
        with context.database.reader() as session:
            return read_board(
                key,
                period,
                principal,
                session,
                context,
                limit,
                cursor,
                around,
                radius,
                players,
                partition,
                among,
                player,
            )

    return await run_in_threadpool(read)


@router.get("/v1/leaderboards/{key}/runs", summary="A board's runs, newest first")
def list_runs(
    key: str,
    principal: PlayerViewer,
    session: ReadSessionDep,
    context: ContextDep,
    limit: Annotated[int, Query(ge=1, le=500, description="page size")] = 50,
    cursor: Cursor = None,
) -> RunList:
    return read_runs(context, session, principal.app_id, key, limit, decode_cursor(cursor) or 0)


def read_runs(
    context: Context, session: Session, app_id: int, key: str, limit: int, offset: int = 0
) -> RunList:
    """A board's runs, newest first (the API's answer and the leaderboard page's periods)."""
    design = context.designs.current_for_reads(session, app_id)
    LeaderboardReader.board(design, key)
    rows = runs_of(session, app_id, key, offset=offset, limit=limit + 1)
    runs = [
        RunOut(
            run=row.run,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            final=row.finalized_at is not None,
            players=row.players,
        )
        for row in rows
    ]
    more = len(runs) > limit
    return RunList(data=runs[:limit], next_cursor=encode_cursor(offset + limit) if more else None)


@router.get("/v1/leaderboards/{key}/runs/{run}", summary="The standings of one run")
def get_run(
    key: str,
    run: str,
    principal: PlayerViewer,
    session: ReadSessionDep,
    context: ContextDep,
    limit: Annotated[int, Query(ge=1, le=500, description="page size")] = 10,
    cursor: Cursor = None,
    partition: Annotated[
        str | None, Query(description="for a partitioned board: the attribute's value")
    ] = None,
) -> BoardPage:
    return read_board(
        key, run, principal, session, context, limit, cursor, None, 0, None, partition
    )


@router.get("/v1/players/{player_id}/ranks", summary="A player's rank on every current board")
def get_ranks(
    player_id: str, principal: PlayerViewer, session: ReadSessionDep, context: ContextDep
) -> RankList:
    return read_ranks(context, session, principal.app_id, player_id)


def read_ranks(context: Context, session: Session, app_id: int, player_id: str) -> RankList:
    """A player's rank on every current board (the API's answer and the console's)."""
    find_player(session, app_id, player_id)
    reader = _reader(context)
    design = context.designs.current_for_reads(session, app_id)
    found: list[RankOut] = []
    for key, board in (design.leaderboards if design else {}).items():
        try:
            located = reader.locate(session, app_id, board, CURRENT)
        except NotFound:
            continue  # a window board outside its window
        partition = partition_of(session, app_id, player_id, board.spec.partition_by)
        board_run = BoardRun(app_id, key, located.run.key, partition)
        page = reader.around(located, board_run, player_id, 0)
        if page is None:
            continue
        standing, share = standing_of(page)
        found.append(
            RankOut(
                board=key,
                run=located.run.key,
                partition=partition if board.spec.partition_by else None,
                score=standing.score,
                rank=standing.rank,
                position=standing.position,
                percentile=share,
                players=page.total or 1,
            )
        )
    return RankList(data=found)


@router.put(
    "/v1/players/{player_id}/leaderboards",
    summary="Hide a player from every leaderboard (opt-out), or show them again",
)
def put_visibility(
    player_id: str,
    body: VisibilityIn,
    principal: EventWriter,
    session: SessionDep,
    context: ContextDep,
) -> VisibilityOut:
    player = find_player(session, principal.app_id, player_id)
    store = context.leaderboards.store
    mirror = None if isinstance(store, SqlLeaderboardStore) else store
    set_hidden(
        session,
        mirror,
        principal.app_id,
        player.id,
        player_id,
        hidden=body.hidden,
        now=datetime.now(UTC),
    )
    return VisibilityOut(player=player_id, hidden=body.hidden)
