"""Activity entries projected from a processed batch, in the batch's own transaction: an
event's entries commit with its effects, exactly once (a redelivered event finds itself
processed and makes none)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from questline.processing.batch import PROCESSED, Processed
from questline.processing.designs import DesignCache
from questline.social import store
from questline.social.model import NewEntry, entries_of


class ActivityProjection:
    def __init__(self, designs: DesignCache) -> None:
        self.designs = designs

    def project(self, session: Session, results: Sequence[Processed]) -> None:
        done = [r for r in results if r.effects is not None and r.status == PROCESSED]
        if not done:
            return
        designs = self.designs.current(session, {r.app_id for r in done})
        rows: list[tuple[int, int, int | None, datetime, NewEntry]] = []
        now = datetime.now(UTC)
        for result in done:
            design = designs.get(result.app_id)
            if design is None or result.effects is None:
                continue
            for entry in entries_of(result.effects, design):
                at = result.occurred_at or now
                rows.append((result.app_id, result.player_id, result.seq, at, entry))
        store.add_entries(session, rows)
