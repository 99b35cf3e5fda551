"""The module's periodic jobs: streak reminders, and the inbox's retention. Registered
with the core's job list on import, so the embedded scheduler and Celery beat run them."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from questline.engine.compiler import CompiledDesign
from questline.notifications import outbox, store, webhook_store
from questline.notifications.model import Message, Recipient, streak_reminder
from questline.notifications.outbox import Outlets
from questline.processing.mechanics_rows import streak_from_row
from questline.processing.periodic import JobContext, PeriodicJob, register
from questline.processing.worker import Worker
from questline.storage.bulk import BulkWriter

log = logging.getLogger(__name__)

REMINDERS_EVERY = timedelta(minutes=10)
_CHUNK = 500

# The outlets installed with each worker (wiring.py), so that a job run with that worker
# wakes the same live streams and sender as its batches do.
OUTLETS: WeakKeyDictionary[Worker, Outlets] = WeakKeyDictionary()


def send_reminders(context: JobContext, now: datetime | None = None) -> int:
    """Remind players whose streak is at risk (see model.streak_reminder); once per
    streak and period, however often or late this runs."""
    now = now or datetime.now(UTC)
    due: list[tuple[Recipient, Message]] = []
    with context.database.reader() as session:
        bulk = BulkWriter(session)
        apps = [row[0] for row in bulk.fetch("SELECT id FROM apps")]
        designs = context.worker.designs.current(session, set(apps))
        for app_id, design in sorted(designs.items()):
            if not _reminds(design):
                continue
            for row in _candidates(bulk, app_id, design, now):
                player_id, key, time_zone, external_id, name, locale = row[:6]
                streak = next(s for s in design.streaks if s.key == key)
                to = Recipient(player_id, app_id, external_id, name, locale)
                held = streak_from_row(row[6:])
                message = streak_reminder(streak, held, design, to, time_zone, now)
                if message is not None:
                    due.append((to, message))
    outlets = OUTLETS.get(context.worker) or Outlets()
    sent = 0
    for start in range(0, len(due), _CHUNK):
        chunk = due[start : start + _CHUNK]
        with context.database.transaction() as session:
            store.lock_players(session, {to.player_id for to, _ in chunk})
            rows = [(to, message, None) for to, message in chunk]
            sent += len(outbox.post(session, outlets, rows, now))
    if sent:
        log.info("sent %d streak reminders", sent)
    return sent


def _reminds(design: CompiledDesign) -> bool:
    reminder = design.notifications.streak_reminder
    return bool(design.streaks) and design.notifications.enabled and reminder.enabled


def _candidates(
    bulk: BulkWriter, app_id: int, design: CompiledDesign, now: datetime
) -> list[tuple[Any, ...]]:
    """Streaks that may be at risk: alive, counted recently enough that freezes could
    still hold them (a week period, and as many as a player may hold, plus slack)."""
    most = max((s.spec.freezes.max if s.spec.freezes else 0) for s in design.streaks)
    since = (now - timedelta(days=7 * (most + 2))).date()
    return bulk.fetch(
        "SELECT s.player_id, s.key, p.time_zone, p.external_id, p.display_name, p.locale,"
        " s.current, s.longest, s.started_on, s.last_on, s.last_zone, s.freezes,"
        " s.since_grant, s.broken_length, s.broken_started_on"
        " FROM streaks s JOIN players p ON p.id = s.player_id"
        " WHERE p.app_id = ? AND s.key IN ?list AND s.current > 0 AND s.last_on >= ?"
        " AND p.erased_at IS NULL ORDER BY s.player_id",
        app_id,
        [s.key for s in design.streaks],
        since.isoformat(),
    )


def prune_notifications(context: JobContext, now: datetime | None = None) -> int:
    """Delete notifications, and finished webhook deliveries, older than
    QUESTLINE_NOTIFICATION_RETENTION_DAYS; a few thousand per transaction."""
    days = context.settings.notification_retention_days
    before = (now or datetime.now(UTC)) - timedelta(days=days)
    pruned = 0
    for prune in (store.prune, webhook_store.prune):
        while True:
            with context.database.transaction() as session:
                done = prune(session, before)
            pruned += done
            if done == 0:
                break
    return pruned


register(PeriodicJob("notification-reminders", REMINDERS_EVERY, send_reminders))
register(PeriodicJob("notification-retention", timedelta(hours=1), prune_notifications))
