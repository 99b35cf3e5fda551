"""The daily rollups, projected from a processed batch in the batch's own transaction.

Why here rather than in a periodic fold of the log: the batch already holds each event's
time and its effects as objects, so what analytics adds per event is a few dictionary
updates, and per batch a handful of statements (two reads and four bulk writes) whatever
its size. A fold from the log would read every event back and parse its effects' JSON
again, and would need a watermark over events that do not finish in sequence order.

Exactly once: only the events this batch moved from pending to processed reach a
projection, in the transaction that marks them; a redelivered event finds itself
processed and is in no batch. The rows a player's update reads are that player's own,
read under the batch's player locks, so no other worker changes them meanwhile."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from questline.analytics import store
from questline.analytics.model import Rollup, add_player, wanted
from questline.engine.effects import CurrencyAwarded
from questline.engine.periods import local_date
from questline.processing.batch import PROCESSED, Processed
from questline.storage.bulk import BulkWriter


def counted(result: Processed) -> bool:
    """An event of the log that the design scored (or that came before any design).
    Failed events are not counted, and neither is an achievement backfill's reward,
    which reaches projections as a result of no event (its effects' event_seq is 0)."""
    if result.status != PROCESSED or result.occurred_at is None:
        return False
    return result.effects is None or result.effects.event_seq == result.seq


def project(session: Session, results: Sequence[Processed]) -> None:
    done = [r for r in results if counted(r)]
    if not done:
        return
    bulk = BulkWriter(session)
    zones = store.time_zones(bulk, {r.app_id for r in done})
    by_app: dict[int, list[Processed]] = defaultdict(list)
    for result in done:
        by_app[result.app_id].append(result)
    for app_id, app_results in sorted(by_app.items()):
        project_app(bulk, app_id, zones.get(app_id, "UTC"), app_results)


def project_app(
    bulk: BulkWriter, app_id: int, time_zone: str, results: Sequence[Processed]
) -> None:
    rollup = Rollup()
    days: dict[int, set[date]] = defaultdict(set)
    for result in results:
        assert result.occurred_at is not None
        day = local_date(result.occurred_at, time_zone)
        days[result.player_id].add(day)
        awards = (
            []
            if result.effects is None
            else [
                (e.currency, e.amount)
                for e in result.effects.items
                if isinstance(e, CurrencyAwarded)
            ]
        )
        rollup.add_event(day, awards)
    players = sorted(days)
    firsts = store.first_days(bulk, app_id, players)
    needed = {pid: wanted(firsts.get(pid), days[pid]) for pid in players}
    known = store.known_periods(
        bulk, app_id, players, {start for keys in needed.values() for _, start in keys}
    )
    for pid in players:
        add_player(rollup, pid, firsts.get(pid), known[pid] & needed[pid], days[pid])
    store.write(bulk, app_id, rollup)
