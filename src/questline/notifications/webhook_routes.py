"""/v1/webhooks: an app's endpoints, their deliveries, and re-sending by hand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from questline.api.http.deps import Authorized, ReadSessionDep, SessionDep
from questline.api.http.paging import Cursor, Limit, cursor_after, decode_cursor
from questline.api.http.sessions import SessionRoute
from questline.notifications import webhook_service
from questline.notifications.routes import Module
from questline.notifications.tables import WebhookDelivery, WebhookEndpoint
from questline.notifications.webhook_schemas import (
    DeliveryOut,
    DeliveryPage,
    WebhookIn,
    WebhookOut,
    WebhookPage,
    WebhookPatch,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], route_class=SessionRoute)
EndpointId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the endpoint's id")]
DeliveryId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the delivery's id")]


def _out(endpoint: WebhookEndpoint, *, secret: bool = False) -> WebhookOut:
    return WebhookOut(
        id=endpoint.id,
        url=endpoint.url,
        description=endpoint.description,
        events=list(endpoint.events),
        enabled=endpoint.enabled,
        failing_since=endpoint.failing_since,
        disabled_at=endpoint.disabled_at,
        disabled_reason=endpoint.disabled_reason,
        secret=endpoint.secret if secret else None,
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
    )


def _delivery(row: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut(
        id=row.id,
        message_id=row.message_id,
        event_type=row.event_type,
        status=row.status,
        attempts=row.attempts,
        response_status=row.response_status,
        latency_ms=row.latency_ms,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
        created_at=row.created_at,
        last_attempt_at=row.last_attempt_at,
    )


@router.post("", status_code=status.HTTP_201_CREATED, summary="Add a webhook endpoint")
def create_webhook(
    body: WebhookIn, principal: Authorized, session: SessionDep, module: Module
) -> WebhookOut:
    endpoint = webhook_service.create(
        session,
        principal,
        url=body.url,
        events=body.events,
        description=body.description,
        secret=body.secret,
        enabled=body.enabled,
        allowed=module.allowed_networks,
    )
    return _out(endpoint, secret=True)


@router.get("", summary="The app's webhook endpoints")
def list_webhooks(
    principal: Authorized, session: ReadSessionDep, limit: Limit = 50, cursor: Cursor = None
) -> WebhookPage:
    page = webhook_service.page(session, principal.app_id, after=decode_cursor(cursor), limit=limit)
    return WebhookPage(
        data=[_out(endpoint) for endpoint in page.rows],
        next_cursor=cursor_after(page.next_cursor),
    )


@router.get("/{webhook_id}", summary="A webhook endpoint, and why it was disabled if it was")
def get_webhook(
    webhook_id: EndpointId, principal: Authorized, session: ReadSessionDep
) -> WebhookOut:
    return _out(webhook_service.get(session, principal.app_id, webhook_id))


@router.patch("/{webhook_id}", summary="Change, enable, disable or rotate the secret of one")
def update_webhook(
    webhook_id: EndpointId,
    body: WebhookPatch,
    principal: Authorized,
    session: SessionDep,
    module: Module,
) -> WebhookOut:
    endpoint, secret = webhook_service.update(
        session,
        principal,
        webhook_id,
        body.model_dump(exclude_unset=True),
        module.allowed_networks,
    )
    return _out(endpoint, secret=secret)


@router.delete(
    "/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove an endpoint"
)
def delete_webhook(webhook_id: EndpointId, principal: Authorized, session: SessionDep) -> Response:
    webhook_service.delete(session, principal, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{webhook_id}/deliveries", summary="An endpoint's deliveries, newest first")
def list_deliveries(
    webhook_id: EndpointId,
    principal: Authorized,
    session: ReadSessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    delivery_status: Annotated[
        str | None, Query(alias="status", description="pending, succeeded or failed")
    ] = None,
) -> DeliveryPage:
    page = webhook_service.deliveries(
        session,
        principal.app_id,
        webhook_id,
        before=decode_cursor(cursor),
        status=delivery_status,
        limit=limit,
    )
    return DeliveryPage(
        data=[_delivery(row) for row in page.rows],
        next_cursor=cursor_after(page.next_cursor),
    )


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/resend",
    status_code=status.HTTP_201_CREATED,
    summary="Send a delivery's message again (same webhook-id), now",
)
def resend_delivery(
    webhook_id: EndpointId,
    delivery_id: DeliveryId,
    principal: Authorized,
    session: SessionDep,
    module: Module,
) -> DeliveryOut:
    again = webhook_service.resend(session, principal, webhook_id, delivery_id, module.outlets)
    return _delivery(again)
