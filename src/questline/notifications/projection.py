"""Notifications and webhook deliveries projected from a processed batch, in the batch's
own transaction: an event's notifications commit with its effects, exactly once.

The worker holds the batch's player locks while this runs, so each player's
notifications commit in the order of their ids (what live streams rely on)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from questline.engine.compiler import CompiledDesign
from questline.engine.effects import effect_to_dict
from questline.notifications import outbox, signing, store, webhook_store
from questline.notifications.defaults import DEFAULTS
from questline.notifications.model import Message, Recipient, messages_for
from questline.notifications.outbox import EffectFact, Outlets
from questline.processing.batch import PROCESSED, Processed
from questline.processing.designs import DesignCache


def notifying_kinds(design: CompiledDesign) -> frozenset[str]:
    """The effect kinds that make a notification under this design."""
    if not design.notifications.enabled:
        return frozenset()
    kinds = set()
    for kind, default in DEFAULTS.items():
        notice = design.notifications.effects.get(kind)
        given = notice.notify if notice is not None else None
        if default.notify if given is None else given:
            kinds.add(kind)
    return frozenset(kinds)


class NotificationProjection:
    def __init__(self, designs: DesignCache, outlets: Outlets) -> None:
        self.designs = designs
        self.outlets = outlets
        self._kinds: dict[tuple[int, int], frozenset[str]] = {}

    def _notifying(self, app_id: int, design: CompiledDesign) -> frozenset[str]:
        key = (app_id, design.version)
        found = self._kinds.get(key)
        if found is None:
            if len(self._kinds) > 256:
                self._kinds.clear()
            found = self._kinds[key] = notifying_kinds(design)
        return found

    def project(self, session: Session, results: Sequence[Processed]) -> None:
        done = [r for r in results if r.effects is not None and r.status == PROCESSED]
        if not done:
            return
        designs = self.designs.current(session, {r.app_id for r in done})
        endpoints = webhook_store.subscribers(session, designs)
        # The lists of event types of the endpoints that take effects, by app.
        takers: dict[int, list[tuple[str, ...]]] = {}
        for endpoint in endpoints:
            if any(t != signing.NOTIFICATION_CREATED for t in endpoint.events):
                takers.setdefault(endpoint.app_id, []).append(endpoint.events)
        notable = []
        for result in done:
            design = designs.get(result.app_id)
            if design is None or result.effects is None:
                continue
            kinds = self._notifying(result.app_id, design)
            if result.app_id in takers or any(e.kind in kinds for e in result.effects.items):
                notable.append((result, result.effects, design))
        if not notable:
            return
        people = store.recipients(session, {result.player_id for result, _, _ in notable})
        rows: list[tuple[Recipient, Message, int | None]] = []
        facts: list[EffectFact] = []
        for result, effects, design in notable:
            to = people[result.player_id]
            rows.extend((to, message, result.seq) for message in messages_for(effects, design, to))
            for effect in effects.items if result.app_id in takers else ():
                event_type = signing.EFFECT_PREFIX + effect.kind
                if any(signing.wants(events, event_type) for events in takers[result.app_id]):
                    facts.append(EffectFact(result.app_id, to, result.seq, effect_to_dict(effect)))
        outbox.post(session, self.outlets, rows, datetime.now(UTC), facts, endpoints)
