"""Rollups recomputed from the event log (`questline analytics rebuild`): after an
upgrade that brings the module to existing data, after a change of an app's analytics
time zone, or to check the incremental rollups, which it reproduces exactly.

It folds each player's whole history at once (`model.player_totals`), not event by
event as the worker does, so agreeing with the worker is a real check. An app's rebuild
is one transaction: on PostgreSQL it locks the rollup tables first, so workers wait
(ingestion does not) and no batch is counted both by the rebuild and by itself."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text

from questline.analytics import store
from questline.analytics.model import AWARDED, EVENTS, Interval, Rollup, periods_of, player_totals
from questline.engine.periods import local_date
from questline.storage.bulk import BulkWriter, as_utc
from questline.storage.database import Database
from questline.storage.types import loads_json

_PLAYERS_PER_READ = 2_000


@dataclass(frozen=True)
class RebuildReport:
    app_id: int
    players: int
    events: int


def rebuild(database: Database, app_id: int) -> RebuildReport:
    with database.transaction() as session:
        bulk = BulkWriter(session)
        if bulk.postgres:
            session.execute(
                text(
                    "LOCK TABLE analytics_counts, analytics_activity, analytics_players"
                    " IN ACCESS EXCLUSIVE MODE"
                )
            )
        store.clear(bulk, app_id)
        time_zone = store.time_zones(bulk, [app_id]).get(app_id, "UTC")
        ids = [
            int(row[0])
            for row in bulk.fetch("SELECT id FROM players WHERE app_id = ? ORDER BY id", app_id)
        ]
        counts: Counter[tuple[str, date, str]] = Counter()
        players = events = 0
        for start in range(0, len(ids), _PLAYERS_PER_READ):
            chunk = ids[start : start + _PLAYERS_PER_READ]
            days: dict[int, set[date]] = defaultdict(set)
            rows = bulk.fetch(
                "SELECT player_id, occurred_at, effects FROM events"
                " WHERE app_id = ? AND player_id IN ?list AND status = 'processed'",
                app_id,
                chunk,
            )
            for player_id, occurred_at, effects in rows:
                at = as_utc(occurred_at)
                assert at is not None
                day = local_date(at, time_zone)
                days[int(player_id)].add(day)
                counts[(EVENTS, day, "")] += 1
                for currency, amount in _awards(effects):
                    counts[(AWARDED, day, currency)] += amount
            events += len(rows)
            activity: list[tuple[int, Interval, date]] = []
            firsts: dict[int, date] = {}
            for player_id, held in sorted(days.items()):
                counts.update(player_totals(held))
                firsts[player_id] = min(held)
                activity.extend(
                    (player_id, interval, first)
                    for interval, first in sorted({p for d in held for p in periods_of(d)})
                )
            players += len(days)
            rollup = Rollup(activity=activity, first_days=firsts)
            store.write(bulk, app_id, rollup)
        store.add_counts(bulk, app_id, counts.items())
    return RebuildReport(app_id, players, events)


def _awards(effects: object) -> list[tuple[str, int]]:
    if effects is None:
        return []
    found = effects if isinstance(effects, list) else loads_json(effects)  # type: ignore[arg-type]
    return [
        (str(e["currency"]), int(e["amount"]))
        for e in found
        if isinstance(e, dict) and e.get("kind") == "currency_awarded"
    ]
