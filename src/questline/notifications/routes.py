"""/v1/players/{id}/notifications (the inbox and its live stream) and devices."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Header, Path, Query, Response, status
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from questline.api.access import COOKIE_TOKEN, QUERY_TOKEN
from questline.api.http.deps import Authorized, ContextDep, ReadSessionDep, SessionDep
from questline.api.http.paging import Cursor, Limit, cursor_after, decode_cursor
from questline.api.http.sessions import SessionRoute
from questline.errors import InvalidInput
from questline.notifications import service
from questline.notifications.live import Stream
from questline.notifications.schemas import (
    DeviceIn,
    DeviceOut,
    MarkedRead,
    MarkRead,
    NotificationOut,
    NotificationPage,
)
from questline.notifications.wiring import Notifications

router = APIRouter(prefix="/v1/players", tags=["notifications"], route_class=SessionRoute)
RECONNECT_MS = 2000  # how soon EventSource reconnects after a stream ends
_LARGEST_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")
PlayerId = Annotated[str, Path(min_length=1, max_length=200, description="the host app's id")]
DeviceId = Annotated[str, Path(min_length=1, max_length=200, description="the client's own id")]


@router.get("/{player_id}/notifications", summary="A player's inbox, newest first")
def list_notifications(
    player_id: PlayerId,
    principal: Authorized,
    session: ReadSessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    unread: Annotated[bool, Query(description="only those not yet read")] = False,
) -> NotificationPage:
    page = service.inbox(
        session,
        principal.app_id,
        player_id,
        before=decode_cursor(cursor),
        unread_only=unread,
        limit=limit,
    )
    return NotificationPage(
        data=[
            NotificationOut(
                id=entry.notification.id,
                kind=entry.notification.kind,
                title=entry.notification.title,
                body=entry.notification.body,
                data=entry.notification.data,
                push=entry.notification.push,
                event_id=entry.event_id,
                created_at=entry.notification.created_at,
                read_at=entry.notification.read_at,
            )
            for entry in page.entries
        ],
        next_cursor=cursor_after(page.next_before),
    )


@router.post("/{player_id}/notifications/read", summary="Mark notifications read")
def mark_read(
    player_id: PlayerId, body: MarkRead, principal: Authorized, session: SessionDep
) -> MarkedRead:
    marked, unread = service.mark_read(
        session, principal.app_id, player_id, ids=body.ids, up_to=body.up_to
    )
    return MarkedRead(marked=marked, unread=unread)


@router.put(
    "/{player_id}/devices/{device_id}",
    summary="Register a device's push token (webhooks carry it with push notifications)",
    responses={201: {"model": DeviceOut, "description": "registered"}},
)
def put_device(
    player_id: PlayerId,
    device_id: DeviceId,
    body: DeviceIn,
    principal: Authorized,
    session: SessionDep,
    response: Response,
) -> DeviceOut:
    device, created = service.put_device(
        session, principal.app_id, player_id, device_id, platform=body.platform, token=body.token
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
    return DeviceOut(
        device_id=device.device_id,
        platform=device.platform,
        created_at=device.created_at,
        updated_at=device.updated_at,
    )


@router.delete(
    "/{player_id}/devices/{device_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Forget a device",
)
def delete_device(
    player_id: PlayerId, device_id: DeviceId, principal: Authorized, session: SessionDep
) -> Response:
    service.delete_device(session, principal.app_id, player_id, device_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _module(context: ContextDep) -> Notifications:
    # async: a sync dependency costs a trip to the thread pool, and this does no I/O.
    module = context.modules["notifications"]
    assert isinstance(module, Notifications)
    return module


Module = Annotated[Notifications, Depends(_module)]


def _cursor(last_event_id: str | None, after: int | None) -> int | None:
    if last_event_id is None:
        return after
    if not _DIGITS.fullmatch(last_event_id) or int(last_event_id) > _LARGEST_ID:
        raise InvalidInput(
            "Last-Event-ID is not the id of a notification",
            errors=[{"loc": ["header", "Last-Event-ID"], "message": "a whole number"}],
        )
    return int(last_event_id)


@router.get(
    "/{player_id}/notifications/stream",
    summary="The player's notifications, live (Server-Sent Events)",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "`event: notification`, `id:` the notification's id, `data:` the"
            " notification as the inbox lists it; a `: ping` comment between them",
            "content": {
                "text/event-stream": {
                    "example": 'retry: 2000\n\nevent: notification\nid: 412\ndata: {"id": 412,'
                    ' "kind": "level_reached", "title": "Level 2!", …}\n\n'
                }
            },
        }
    },
)
async def stream_notifications(
    player_id: PlayerId,
    principal: Authorized,
    context: ContextDep,
    module: Module,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            description="resume after this id (EventSource sends it when it reconnects)",
        ),
    ] = None,
    after: Annotated[
        int | None,
        Query(
            ge=0,
            le=_LARGEST_ID,
            description="start after this id (a new EventSource, with no Last-Event-ID)",
        ),
    ] = None,
    access_token: Annotated[
        str | None,
        Query(
            alias=QUERY_TOKEN,
            description="a player token, for EventSource, which cannot set headers"
            f" (or the `{COOKIE_TOKEN}` cookie)",
        ),
    ] = None,
) -> EventSourceResponse:
    del access_token  # read (and checked) by the authorization in api/access.py
    key = (principal.app_id, player_id)
    cursor = _cursor(last_event_id, after)
    if cursor is None:  # from now on
        cursor = await run_in_threadpool(_latest, module, key)
    stream = module.hub.open(key, cursor)
    settings = context.settings
    return EventSourceResponse(
        _events(module, stream, settings.notification_stream_seconds),
        ping=settings.notification_ping_seconds,
        ping_message_factory=lambda: ServerSentEvent(comment="ping"),
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _latest(module: Notifications, key: tuple[int, str]) -> int:
    with module.database.reader() as session:
        return service.newest_id(session, *key)


async def _events(
    module: Notifications, stream: Stream, lifetime: float
) -> AsyncIterator[ServerSentEvent]:
    """The stream's notifications as events, until its lifetime ends (EventSource then
    reconnects with Last-Event-ID), the client goes, or the server stops."""
    try:
        yield ServerSentEvent(comment="open", retry=RECONNECT_MS)
        deadline = asyncio.get_running_loop().time() + lifetime
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return
            try:
                notification = await asyncio.wait_for(stream.next(), left)
            except TimeoutError:
                return
            yield ServerSentEvent(
                data=orjson.dumps(notification).decode(),
                id=str(notification["id"]),
                event="notification",
            )
    finally:
        module.hub.close(stream)
