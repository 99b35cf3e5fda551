"""Use cases of the inbox and devices, and `notify` for other modules. Each takes the
caller's session and never commits: the caller's transaction decides."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from questline.errors import InvalidInput, NotFound
from questline.notifications import outbox, store, webhook_store
from questline.notifications.model import Message, Recipient, localize
from questline.notifications.outbox import Outlets
from questline.notifications.tables import Device, Notification
from questline.storage.pages import split_page
from questline.storage.players import find_player

_KIND = re.compile(r"^[a-z][a-z0-9_.-]{0,62}$")


@dataclass(frozen=True, slots=True)
class InboxEntry:
    notification: Notification
    event_id: str | None


@dataclass(frozen=True, slots=True)
class InboxPage:
    entries: list[InboxEntry]
    next_before: int | None  # the cursor of the next (older) page


def inbox(
    session: Session,
    app_id: int,
    player: str,
    *,
    before: int | None,
    unread_only: bool,
    limit: int,
) -> InboxPage:
    """The player's notifications, newest first."""
    found = find_player(session, app_id, player)
    rows = session.execute(
        store.inbox_page(found.id, before_id=before, unread=unread_only, limit=limit + 1)
    ).all()
    entries = [InboxEntry(row, key) for row, key in rows]  # key: None if no event
    return InboxPage(*split_page(entries, limit, _notification_id))


def _notification_id(entry: InboxEntry) -> int:
    return entry.notification.id


def mark_read(
    session: Session,
    app_id: int,
    player: str,
    *,
    ids: Sequence[int] | None,
    up_to: int | None,
) -> tuple[int, int]:
    """Mark the given notifications, or all up to an id, read; returns (newly marked,
    still unread)."""
    if (ids is None) == (up_to is None):
        raise InvalidInput(
            "give either 'ids' or 'up_to'",
            errors=[{"loc": ["body"], "message": "exactly one of 'ids' or 'up_to'"}],
        )
    found = find_player(session, app_id, player)
    marked = store.mark_read(session, found.id, ids=ids, up_to=up_to, at=datetime.now(UTC))
    return marked, store.unread_count(session, found.id)


def unread_count(session: Session, player_id: int) -> dict[str, Any]:
    """The player resource's share of this module (`GET /v1/players/{id}`)."""
    return {"unread_notifications": store.unread_count(session, player_id)}


def newest_id(session: Session, app_id: int, player: str) -> int:
    """Where a live stream that asks for nothing old starts: after the player's newest
    notification (0 before their first, or before they exist)."""
    return store.latest_id(session, app_id, player)


def put_device(
    session: Session, app_id: int, player: str, device_id: str, *, platform: str, token: str
) -> tuple[Device, bool]:
    found = find_player(session, app_id, player)
    return store.put_device(
        session, found, device_id, platform=platform, token=token, now=datetime.now(UTC)
    )


def delete_device(session: Session, app_id: int, player: str, device_id: str) -> None:
    found = find_player(session, app_id, player)
    if not store.delete_device(session, found.id, device_id):
        raise NotFound(f"player '{player}' has no device '{device_id}'")


def notify(
    session: Session,
    outlets: Outlets,
    *,
    player_id: int,
    kind: str,
    title: str | Mapping[str, str],
    body: str | Mapping[str, str] = "",
    data: dict[str, Any] | None = None,
    push: bool = False,
    dedupe_key: str | None = None,
) -> int | None:
    """Notify one player from another module (a cheer, a follow), in the caller's
    transaction: inbox, live streams and `notification.created` webhooks, after commit.

    `title` and `body` are one text, or texts by locale chosen by the player's locale.
    With `dedupe_key`, a second notification with the same key is not written (None).
    Takes the player's row lock, as the worker does: call it before locking any player
    with a higher id, or with none held."""
    if not _KIND.match(kind):
        raise InvalidInput(f"'{kind}' is not a notification kind (lower-case letters, digits, ._-)")
    store.lock_players(session, [player_id])
    to = store.recipients(session, [player_id]).get(player_id)
    if to is None:
        raise NotFound(f"no player {player_id}")
    message = Message(
        kind=kind,
        title=_choose(title, to),
        body=_choose(body, to),
        push=push,
        data=data or {},
        dedupe_key=dedupe_key,
    )
    written = outbox.post(session, outlets, [(to, message, None)], datetime.now(UTC))
    return written[0].id if written else None


def _choose(text: str | Mapping[str, str], to: Recipient) -> str:
    return text if isinstance(text, str) else localize(text, to.locale, "")


def erase_player(session: Session, player_id: int) -> None:
    """Erasure (`DELETE /v1/players/{id}`): the player's inbox, devices and the webhook
    deliveries about them go."""
    store.erase(session, player_id)
    webhook_store.erase(session, player_id)


def export_player(session: Session, player_id: int) -> dict[str, Any]:
    return store.export(session, player_id)
