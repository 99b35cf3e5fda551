"""The outbox: notifications and webhook deliveries written in the caller's transaction,
and, once it has committed, the live streams and the webhook sender woken.

Nothing leaves before the commit, and nothing written is lost if the process dies after
it: live streams read the inbox by id, and the sender reads its deliveries table. The
wake-ups are hints that save waiting for the next poll.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from questline.notifications import signing, store, webhook_store
from questline.notifications.model import Message, Recipient
from questline.notifications.store import StreamKey, Written
from questline.notifications.webhook_store import NewDelivery, Subscriber
from questline.storage.bulk import BulkWriter
from questline.storage.database import after_commit


class LivePublisher(Protocol):
    def publish(self, players: Collection[StreamKey]) -> None:
        """These players have new notifications (called after commit, from any thread)."""


class SenderWake(Protocol):
    def wake(self) -> None:
        """New webhook deliveries are due (called after commit)."""


class _Nobody:
    def publish(self, players: Collection[StreamKey]) -> None:
        pass

    def wake(self) -> None:
        pass


@dataclass
class Outlets:
    """Where the outbox says that something was written, once it is committed."""

    live: LivePublisher = field(default_factory=_Nobody)
    sender: SenderWake = field(default_factory=_Nobody)


@dataclass(frozen=True, slots=True)
class EffectFact:
    """An effect a webhook may carry: `effect.<kind>` messages."""

    app_id: int
    recipient: Recipient
    event_seq: int
    effect: dict[str, Any]


def post(
    session: Session,
    outlets: Outlets,
    rows: Sequence[tuple[Recipient, Message, int | None]],
    now: datetime,
    facts: Sequence[EffectFact] = (),
    endpoints: list[Subscriber] | None = None,
) -> list[Written]:
    """Write the notifications (`rows`: to whom, what, and the event behind it) and the
    webhook deliveries of them and of `facts` (to `endpoints`, the apps' enabled
    endpoints, read here if not given); wake the outlets after commit."""
    written = store.write(session, rows, now)
    if endpoints is None:
        apps = {w.recipient.app_id for w in written} | {f.app_id for f in facts}
        endpoints = webhook_store.subscribers(session, apps) if apps else []
    deliveries = _deliveries(session, endpoints, written, facts, now) if endpoints else []
    if deliveries:
        webhook_store.add_deliveries(session, deliveries, now)
    players = {(w.recipient.app_id, w.recipient.external_id) for w in written}
    if players:
        live = outlets.live
        after_commit(session, lambda: live.publish(players))
    if deliveries:
        after_commit(session, outlets.sender.wake)
    return written


def _deliveries(
    session: Session,
    endpoints: list[Subscriber],
    written: list[Written],
    facts: Sequence[EffectFact],
    now: datetime,
) -> list[NewDelivery]:
    found: list[NewDelivery] = []
    by_app: dict[int, list[Subscriber]] = {}
    for endpoint in endpoints:
        by_app.setdefault(endpoint.app_id, []).append(endpoint)

    wanted = [
        w
        for w in written
        if any(
            signing.wants(e.events, signing.NOTIFICATION_CREATED)
            for e in by_app.get(w.recipient.app_id, [])
        )
    ]
    devices = store.devices_of(session, {w.recipient.player_id for w in wanted if w.message.push})
    events = _events(session, [w.event_seq for w in wanted] + [f.event_seq for f in facts])
    for w in wanted:
        to = w.recipient
        data: dict[str, Any] = {
            "player": to.external_id,
            "event": events.get(w.event_seq) if w.event_seq is not None else None,
            "notification": {
                "id": w.id,
                "kind": w.message.kind,
                "title": w.message.title,
                "body": w.message.body,
                "data": w.message.data,
                "locale": to.locale,
                "created_at": w.created_at.isoformat(),
            },
            "push": w.message.push,
            "devices": [
                {"device_id": d.device_id, "platform": d.platform, "token": d.token}
                for d in devices.get(to.player_id, [])
            ],
        }
        _fan_out(found, by_app, to, signing.NOTIFICATION_CREATED, data, now)
    for fact in facts:
        event_type = signing.EFFECT_PREFIX + str(fact.effect["kind"])
        data = {
            "player": fact.recipient.external_id,
            "event": events.get(fact.event_seq),
            "effect": fact.effect,
        }
        _fan_out(found, by_app, fact.recipient, event_type, data, now)
    return found


def _fan_out(
    found: list[NewDelivery],
    by_app: dict[int, list[Subscriber]],
    to: Recipient,
    event_type: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    targets = [e for e in by_app.get(to.app_id, []) if signing.wants(e.events, event_type)]
    if not targets:
        return
    # One message, one id, whichever endpoints it goes to.
    message_id = signing.new_message_id()
    payload = signing.body(event_type, now, data)
    for endpoint in targets:
        found.append(
            NewDelivery(
                to.app_id, endpoint.endpoint_id, to.player_id, message_id, event_type, payload
            )
        )


def _events(session: Session, seqs: Sequence[int | None]) -> dict[int, dict[str, Any]]:
    wanted = sorted({seq for seq in seqs if seq is not None})
    if not wanted:
        return {}
    rows = BulkWriter(session).fetch("SELECT seq, key, type FROM events WHERE seq IN ?list", wanted)
    return {seq: {"id": key, "type": type_, "seq": seq} for seq, key, type_ in rows}
