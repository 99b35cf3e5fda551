"""The most frequent read — a page of the top of a current board — answered on the event
loop from Redis, and sent again as it was while Redis answers with the same page."""

from __future__ import annotations

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from questline.api.http.context import Context
from questline.api.http.paging import decode_cursor, encode_cursor
from questline.api.leaderboard_schemas import Profiles, board_page
from questline.engine.compiler import CompiledDesign
from questline.leaderboards.redis import RedisLeaderboardStore
from questline.leaderboards.service import LeaderboardReader
from questline.leaderboards.store import BoardRun, Page, Standing
from questline.storage.players import profiles_of

# A page's JSON as last sent, with the store's page it was made from: while the store
# answers with that same page (kept for a moment), so does this. Bounded by clearing.
_sent: dict[tuple[int, str, str, str | None, int, int], tuple[CompiledDesign, Page, bytes]] = {}
_MAX_SENT = 10_000


async def top_from_memory(
    key: str,
    app_id: int,
    context: Context,
    limit: int,
    cursor: str | None,
    partition: str | None,
) -> Response | None:
    """The most frequent read — a page of a current board — answered on the event loop
    when the design is in memory and Redis holds the board; None sends it the long way
    (the database, in the thread pool), which also gives every error its answer."""
    store = context.leaderboards.store
    if not isinstance(store, RedisLeaderboardStore):
        return None
    known, design = context.designs.current_if_known(app_id)
    if not known or design is None:
        return None
    board = design.leaderboards.get(key)
    if board is None or (board.spec.partition_by is None) != (partition is None):
        return None
    located = LeaderboardReader.locate_current(board)
    if located is None:
        return None
    offset = decode_cursor(cursor) or 0
    page = await store.top_without_fallback(
        BoardRun(app_id, key, located.run.key, partition or ""),
        board.spec.ranking,
        offset=offset,
        limit=limit + 1,
    )
    if page is None:
        return None
    sent_key = (app_id, key, located.run.key, partition, offset, limit)
    sent = _sent.get(sent_key)
    if sent is not None and sent[0] is design and sent[1] is page:
        body = sent[2]
    else:
        more = len(page.entries) > limit
        # The names come from the database (in the thread pool) only for a page the store
        # has not answered with a moment ago; its body is then sent again as it is.
        profiles = await run_in_threadpool(_profiles, context, app_id, page.entries[:limit])
        body = (
            board_page(
                profiles,
                located,
                partition,
                page.entries[:limit],
                None,
                encode_cursor(offset + limit) if more else None,
            )
            .model_dump_json()
            .encode()
        )
        if len(_sent) >= _MAX_SENT:
            _sent.clear()
        _sent[sent_key] = (design, page, body)
    return Response(body, media_type="application/json")


def _profiles(context: Context, app_id: int, entries: list[Standing]) -> Profiles:
    with context.database.reader() as session:
        return profiles_of(session, app_id, (e.player for e in entries))
