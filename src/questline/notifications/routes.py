"""/v1/players/{id}/notifications (the inbox and its live stream) and devices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from questline.api.deps import (
    Authorized,
    Cursor,
    Limit,
    ReaderDep,
    SessionDep,
    decode_cursor,
    encode_cursor,
)
from questline.notifications import service
from questline.notifications.schemas import (
    DeviceIn,
    DeviceOut,
    MarkedRead,
    MarkRead,
    NotificationOut,
    NotificationPage,
)

router = APIRouter(prefix="/v1/players", tags=["notifications"])
PlayerId = Annotated[str, Path(min_length=1, max_length=200, description="the host app's id")]
DeviceId = Annotated[str, Path(min_length=1, max_length=200, description="the client's own id")]


@router.get("/{player_id}/notifications", summary="A player's inbox, newest first")
def list_notifications(
    player_id: PlayerId,
    principal: Authorized,
    session: ReaderDep,
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
        next_cursor=encode_cursor(page.next_before) if page.next_before is not None else None,
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
