"""/v1/players/{id}/following, followers, blocks, profile, feed, activity and cheers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from questline.api.http.deps import (
    Authorized,
    ContextDep,
    ReadSessionDep,
    SessionDep,
    module_enabled,
)
from questline.api.http.paging import Cursor, Limit, cursor_after, decode_cursor
from questline.api.http.sessions import SessionRoute
from questline.engine.notifications import LOCALE_PATTERN
from questline.social import service
from questline.social.schemas import (
    ActivityEntryOut,
    CheerOut,
    EntryPage,
    FollowOut,
    LinkOut,
    LinkPage,
    SocialProfileIn,
    SocialProfileOut,
)
from questline.social.wiring import Social

router = APIRouter(
    prefix="/v1/players",
    tags=["social"],
    route_class=SessionRoute,
    dependencies=[Depends(module_enabled("social"))],
)
PlayerId = Annotated[str, Path(min_length=1, max_length=200, description="the host app's id")]
OtherId = Annotated[str, Path(min_length=1, max_length=200, description="the other player")]
EntryId = Annotated[int, Path(ge=1, le=2**63 - 1, description="an activity entry's id")]
ReadLocale = Annotated[
    str | None,
    Query(pattern=LOCALE_PATTERN, description="the words' locale (else the reader's own)"),
]


async def _module(context: ContextDep) -> Social:
    # async: a sync dependency costs a trip to the thread pool, and this does no I/O.
    module = context.modules["social"]
    assert isinstance(module, Social)
    return module


Module = Annotated[Social, Depends(_module)]


def _links(page: service.LinkPage) -> LinkPage:
    return LinkPage(
        data=[
            LinkOut(player=x.player, display_name=x.display_name, since=x.since) for x in page.links
        ],
        next_cursor=cursor_after(page.next_before),
    )


def _entries(page: service.FeedPage) -> EntryPage:
    return EntryPage(
        data=[
            ActivityEntryOut(
                id=e.id,
                player=e.player,
                display_name=e.display_name,
                kind=e.kind,
                message=e.message,
                data=e.data,
                cheers=e.cheers,
                cheered=e.cheered,
                created_at=e.created_at,
            )
            for e in page.entries
        ],
        next_cursor=cursor_after(page.next_before),
        locale=page.locale,
    )


def _put_answer(response: Response, player: str, other: str, created: bool) -> FollowOut:
    if created:
        response.status_code = status.HTTP_201_CREATED
    return FollowOut(player=player, other=other, active=True)


@router.put(
    "/{player_id}/following/{other_id}",
    summary="Follow another player",
    responses={201: {"model": FollowOut, "description": "now following"}},
)
def follow(
    player_id: PlayerId,
    other_id: OtherId,
    principal: Authorized,
    session: SessionDep,
    response: Response,
) -> FollowOut:
    created = service.follow(session, principal.app_id, player_id, other_id)
    return _put_answer(response, player_id, other_id, created)


@router.delete(
    "/{player_id}/following/{other_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop following another player",
)
def unfollow(
    player_id: PlayerId, other_id: OtherId, principal: Authorized, session: SessionDep
) -> Response:
    service.unfollow(session, principal.app_id, player_id, other_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{player_id}/following", summary="The players a player follows, newest first")
def list_following(
    player_id: PlayerId,
    principal: Authorized,
    session: ReadSessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> LinkPage:
    return _links(
        service.follow_list(
            session,
            principal.app_id,
            player_id,
            followers=False,
            before=decode_cursor(cursor),
            limit=limit,
        )
    )


@router.get("/{player_id}/followers", summary="The players who follow a player, newest first")
def list_followers(
    player_id: PlayerId,
    principal: Authorized,
    session: ReadSessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> LinkPage:
    return _links(
        service.follow_list(
            session,
            principal.app_id,
            player_id,
            followers=True,
            before=decode_cursor(cursor),
            limit=limit,
        )
    )


@router.put(
    "/{player_id}/blocks/{other_id}",
    summary="Block another player: no follows either way, no activity seen either way",
    responses={201: {"model": FollowOut, "description": "now blocked"}},
)
def block(
    player_id: PlayerId,
    other_id: OtherId,
    principal: Authorized,
    session: SessionDep,
    response: Response,
) -> FollowOut:
    created = service.block(session, principal.app_id, player_id, other_id)
    return _put_answer(response, player_id, other_id, created)


@router.delete(
    "/{player_id}/blocks/{other_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Lift a block",
)
def unblock(
    player_id: PlayerId, other_id: OtherId, principal: Authorized, session: SessionDep
) -> Response:
    service.unblock(session, principal.app_id, player_id, other_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{player_id}/blocks", summary="The players a player blocked")
def list_blocks(
    player_id: PlayerId,
    principal: Authorized,
    session: ReadSessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> LinkPage:
    return _links(
        service.block_list(
            session, principal.app_id, player_id, before=decode_cursor(cursor), limit=limit
        )
    )


@router.put("/{player_id}/profile", summary="Make a player's profile private, or public again")
def put_profile(
    player_id: PlayerId, body: SocialProfileIn, principal: Authorized, session: SessionDep
) -> SocialProfileOut:
    found = service.set_private(session, principal.app_id, player_id, body.private)
    return SocialProfileOut(
        player=player_id,
        private=found.private,
        following=found.following,
        followers=found.followers,
    )


@router.get("/{player_id}/feed", summary="What the players a player follows did, newest first")
def get_feed(
    player_id: PlayerId,
    principal: Authorized,
    session: ReadSessionDep,
    context: ContextDep,
    limit: Annotated[int, Query(ge=1, le=100, description="page size")] = 20,
    cursor: Cursor = None,
    locale: ReadLocale = None,
) -> EntryPage:
    design = context.designs.current_for_reads(session, principal.app_id)
    return _entries(
        service.feed(
            session,
            principal.app_id,
            design,
            player_id,
            before=decode_cursor(cursor),
            limit=limit,
            locale=locale,
        )
    )


@router.get("/{player_id}/activity", summary="A player's own public activity, newest first")
def get_activity(
    player_id: PlayerId,
    principal: Authorized,
    session: ReadSessionDep,
    context: ContextDep,
    limit: Annotated[int, Query(ge=1, le=100, description="page size")] = 20,
    cursor: Cursor = None,
    locale: ReadLocale = None,
    viewer: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="read as this player may see it (blocks and private profiles apply)",
        ),
    ] = None,
) -> EntryPage:
    design = context.designs.current_for_reads(session, principal.app_id)
    return _entries(
        service.activity(
            session,
            principal.app_id,
            design,
            player_id,
            viewer=viewer,
            before=decode_cursor(cursor),
            limit=limit,
            locale=locale,
        )
    )


@router.put("/{player_id}/cheers/{entry_id}", summary="Cheer another player's activity entry")
def cheer(
    player_id: PlayerId,
    entry_id: EntryId,
    principal: Authorized,
    session: SessionDep,
    module: Module,
) -> CheerOut:
    cheers, _ = service.cheer(session, principal.app_id, player_id, entry_id, module.notify)
    return CheerOut(entry_id=entry_id, cheers=cheers, cheered=True)


@router.delete("/{player_id}/cheers/{entry_id}", summary="Take a cheer back")
def uncheer(
    player_id: PlayerId, entry_id: EntryId, principal: Authorized, session: SessionDep
) -> CheerOut:
    cheers = service.uncheer(session, principal.app_id, player_id, entry_id)
    return CheerOut(entry_id=entry_id, cheers=cheers, cheered=False)
