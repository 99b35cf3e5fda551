"""/console/webhooks: the app's webhook endpoints, each one's deliveries, and sending a
delivery again — through the API's own webhook functions, audited as they are."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from questline.api.http.deps import ReadSessionDep, SessionDep
from questline.api.http.sessions import SessionRoute
from questline.notifications import webhook_routes as api
from questline.notifications.routes import Module
from questline.web.console.pages import PREFIX, Caller, Flash, render, see_other

router = APIRouter(prefix=f"{PREFIX}/webhooks", route_class=SessionRoute, include_in_schema=False)

SHOWN = 100
EndpointId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DeliveryId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Status = Annotated[str, Query(pattern="^(|pending|succeeded|failed)$")]


@router.get("")
def webhooks_page(caller: Caller, session: ReadSessionDep) -> Response:
    found = api.list_webhooks(caller.principal, session, SHOWN, None)
    return render(caller, "webhooks.html", section="/console/webhooks", endpoints=found.data)


@router.get("/{webhook_id}")
def deliveries_page(
    webhook_id: EndpointId,
    caller: Caller,
    session: ReadSessionDep,
    status: Status = "",
    resent: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    endpoint = api.get_webhook(webhook_id, caller.principal, session)
    found = api.list_deliveries(webhook_id, caller.principal, session, SHOWN, None, status or None)
    flash = Flash(f"Sent again as delivery {resent}.") if resent else None
    return render(
        caller,
        "deliveries.html",
        section="/console/webhooks",
        endpoint=endpoint,
        deliveries=found.data,
        status_filter=status,
        flash=flash,
    )


@router.post("/{webhook_id}/deliveries/{delivery_id}/resend")
def resend(
    webhook_id: EndpointId,
    delivery_id: DeliveryId,
    caller: Caller,
    session: SessionDep,
    module: Module,
) -> Response:
    again = api.resend_delivery(webhook_id, delivery_id, caller.principal, session, module)
    return see_other(f"{PREFIX}/webhooks/{webhook_id}?resent={again.id}")
