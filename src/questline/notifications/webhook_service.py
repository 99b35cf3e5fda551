"""Use cases of webhook endpoints and their deliveries. Changes are audited."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from questline.auth.principals import Principal
from questline.errors import InvalidInput, NotFound
from questline.notifications import signing, webhook_store
from questline.notifications.delivery import PENDING, Network, refused, why_refused
from questline.notifications.outbox import Outlets
from questline.notifications.tables import WebhookDelivery, WebhookEndpoint
from questline.storage import audit
from questline.storage.database import after_commit
from questline.storage.pages import split_page

STATUSES = ("pending", "succeeded", "failed")


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Any]
    next_cursor: int | None


def _row_id(row: WebhookEndpoint | WebhookDelivery) -> int:
    return row.id


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"loc": ["body", field], "message": message}])


def check_url(url: str, allowed: Sequence[Network]) -> None:
    """An http(s) URL whose host resolves to no address webhooks may not go to (checked
    again on every attempt; a name that does not resolve yet is accepted)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _invalid("url", "a webhook URL is http:// or https:// with a host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise _invalid("url", "the URL's port is not a number from 1 to 65535") from None
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except OSError:
        return
    for info in found:
        address = ipaddress.ip_address(info[4][0])
        if refused(address, allowed):
            raise _invalid("url", f"{parts.hostname} resolves to {why_refused(address)}")


def _check_events(events: Sequence[str]) -> list[str]:
    problems = signing.check_events(events)
    if problems:
        raise InvalidInput(
            "; ".join(problems) + f" (types: {', '.join(signing.EVENT_TYPES)}, effect.*, *)",
            errors=[{"loc": ["body", "events"], "message": p} for p in problems],
        )
    return list(dict.fromkeys(events))


def _check_secret(secret: str) -> str:
    try:
        signing.secret_key(secret)
    except ValueError as error:
        raise _invalid("secret", str(error)) from None
    return secret


def _audited(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"url": endpoint.url, "events": endpoint.events, "enabled": endpoint.enabled}


def create(
    session: Session,
    principal: Principal,
    *,
    url: str,
    events: Sequence[str],
    description: str | None,
    secret: str | None,
    enabled: bool,
    allowed: Sequence[Network],
) -> WebhookEndpoint:
    check_url(url, allowed)
    now = datetime.now(UTC)
    endpoint = WebhookEndpoint(
        app_id=principal.app_id,
        url=url,
        description=description,
        events=_check_events(events),
        secret=_check_secret(secret) if secret else signing.new_secret(),
        enabled=enabled,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    session.flush()
    audit.record(
        session, principal, "webhook.create", "webhook", endpoint.id, after=_audited(endpoint)
    )
    return endpoint


def page(session: Session, app_id: int, *, after: int | None, limit: int) -> Page:
    query = webhook_store.endpoints_page(app_id, after_id=after, limit=limit + 1)
    return Page(*split_page(list(session.scalars(query)), limit, _row_id))


def get(session: Session, app_id: int, endpoint_id: int) -> WebhookEndpoint:
    endpoint = webhook_store.get_endpoint(session, app_id, endpoint_id)
    if endpoint is None:
        raise NotFound(f"no webhook endpoint {endpoint_id}")
    return endpoint


def update(
    session: Session,
    principal: Principal,
    endpoint_id: int,
    changes: dict[str, Any],
    allowed: Sequence[Network],
) -> tuple[WebhookEndpoint, bool]:
    """Apply the given changes; True if the secret changed (then it is shown)."""
    endpoint = get(session, principal.app_id, endpoint_id)
    before = _audited(endpoint)
    if changes.get("url") is not None:
        check_url(changes["url"], allowed)
        endpoint.url = changes["url"]
    if changes.get("events") is not None:
        endpoint.events = _check_events(changes["events"])
    if "description" in changes:
        endpoint.description = changes["description"]
    if changes.get("enabled") is not None:
        endpoint.enabled = changes["enabled"]
        if endpoint.enabled:  # started again by hand: its failures are forgotten
            endpoint.failing_since = None
            endpoint.disabled_at = None
            endpoint.disabled_reason = None
    new_secret = bool(changes.get("secret") or changes.get("rotate_secret"))
    if changes.get("secret"):
        endpoint.secret = _check_secret(changes["secret"])
    elif changes.get("rotate_secret"):
        endpoint.secret = signing.new_secret()
    endpoint.updated_at = datetime.now(UTC)
    after = {**_audited(endpoint), **({"secret": "changed"} if new_secret else {})}
    audit.record(
        session, principal, "webhook.update", "webhook", endpoint.id, before=before, after=after
    )
    return endpoint, new_secret


def delete(session: Session, principal: Principal, endpoint_id: int) -> None:
    endpoint = get(session, principal.app_id, endpoint_id)
    audit.record(
        session, principal, "webhook.delete", "webhook", endpoint.id, before=_audited(endpoint)
    )
    webhook_store.delete_endpoint(session, endpoint)


def deliveries(
    session: Session,
    app_id: int,
    endpoint_id: int,
    *,
    before: int | None,
    status: str | None,
    limit: int,
) -> Page:
    get(session, app_id, endpoint_id)
    if status is not None and status not in STATUSES:
        raise InvalidInput(
            f"status is one of {', '.join(STATUSES)}",
            errors=[{"loc": ["query", "status"], "message": "unknown status"}],
        )
    query = webhook_store.deliveries_page(
        endpoint_id, before_id=before, status=status, limit=limit + 1
    )
    return Page(*split_page(list(session.scalars(query)), limit, _row_id))


def resend(
    session: Session, principal: Principal, endpoint_id: int, delivery_id: int, outlets: Outlets
) -> WebhookDelivery:
    """Send a delivery's message again, as a new delivery with the same `webhook-id`
    and body (a receiver that has it already can tell), now and with a fresh retry
    window."""
    endpoint = get(session, principal.app_id, endpoint_id)
    original = webhook_store.get_delivery(session, endpoint.id, delivery_id)
    if original is None:
        raise NotFound(f"webhook endpoint {endpoint_id} has no delivery {delivery_id}")
    now = datetime.now(UTC)
    again = WebhookDelivery(
        app_id=original.app_id,
        endpoint_id=original.endpoint_id,
        player_id=original.player_id,
        message_id=original.message_id,
        event_type=original.event_type,
        payload=original.payload,
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(again)
    session.flush()
    copy = {"delivery": again.id}
    audit.record(session, principal, "webhook.resend", "webhook_delivery", original.id, after=copy)
    after_commit(session, outlets.sender.wake)
    return again
