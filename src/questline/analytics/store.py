"""The module's queries: the rollups the worker writes with each batch, the series read
back from them, and the snapshots of current-state distributions. Plain SQL through
BulkWriter, the same on SQLite and PostgreSQL (dates as the column type stores them)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from questline.analytics.model import Interval, Rollup
from questline.processing.mechanics_rows import day_value
from questline.storage.apps import AppSettings
from questline.storage.bulk import BulkWriter, as_date, as_utc
from questline.storage.types import loads_json

TABLES = ("analytics_counts", "analytics_activity", "analytics_players", "analytics_snapshots")


def time_zones(bulk: BulkWriter, app_ids: Iterable[int]) -> dict[int, str]:
    """Each app's analytics time zone (its settings' `time_zone`, UTC by default)."""
    found = {}
    for app_id, raw in bulk.fetch(
        "SELECT id, settings FROM apps WHERE id IN ?list", sorted(app_ids)
    ):
        stored = raw if isinstance(raw, dict) or raw is None else loads_json(raw)
        found[int(app_id)] = AppSettings.stored(stored).time_zone
    return found


def first_days(bulk: BulkWriter, app_id: int, player_ids: Sequence[int]) -> dict[int, date]:
    rows = bulk.fetch(
        "SELECT player_id, first_day FROM analytics_players"
        " WHERE app_id = ? AND player_id IN ?list",
        app_id,
        list(player_ids),
    )
    return {int(player_id): _date(day) for player_id, day in rows}


def known_periods(
    bulk: BulkWriter, app_id: int, player_ids: Sequence[int], starts: Iterable[date]
) -> dict[int, set[tuple[Interval, date]]]:
    """Which of the periods starting on `starts` each player already has a row for."""
    found: dict[int, set[tuple[Interval, date]]] = {pid: set() for pid in player_ids}
    days = [day_value(bulk, day) for day in sorted(set(starts))]
    rows = bulk.fetch(
        "SELECT player_id, period, start FROM analytics_activity"
        " WHERE app_id = ? AND player_id IN ?list AND start IN ?list",
        app_id,
        list(player_ids),
        days,
    )
    for player_id, period, start in rows:
        found[int(player_id)].add((Interval(period), _date(start)))
    return found


def write(bulk: BulkWriter, app_id: int, rollup: Rollup) -> None:
    """Add `rollup` to the app's rows (counts are added to, never overwritten)."""
    bulk.executemany(
        "INSERT INTO analytics_activity (app_id, player_id, period, start) VALUES (?, ?, ?, ?)",
        [
            (app_id, pid, interval.value, day_value(bulk, start))
            for pid, interval, start in rollup.activity
        ],
    )
    bulk.executemany(
        "INSERT INTO analytics_players (app_id, player_id, first_day) VALUES (?, ?, ?)"
        " ON CONFLICT (app_id, player_id) DO UPDATE SET first_day = excluded.first_day",
        [(app_id, pid, day_value(bulk, day)) for pid, day in sorted(rollup.first_days.items())],
    )
    add_counts(bulk, app_id, rollup.counts.items())


def add_counts(
    bulk: BulkWriter, app_id: int, counts: Iterable[tuple[tuple[str, date, str], int]]
) -> None:
    # Sorted: two workers adding to the same rows take their locks in the same order.
    rows = sorted((figure, day, key, value) for (figure, day, key), value in counts if value)
    bulk.executemany(
        "INSERT INTO analytics_counts (app_id, figure, day, key, value) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (app_id, figure, day, key)"
        " DO UPDATE SET value = analytics_counts.value + excluded.value",
        [(app_id, figure, day_value(bulk, day), key, value) for figure, day, key, value in rows],
    )
    # A count taken back (a first day moved earlier) may reach zero: no row, as a
    # rebuild would write none.
    bulk.executemany(
        "DELETE FROM analytics_counts"
        " WHERE app_id = ? AND figure = ? AND day = ? AND key = ? AND value = 0",
        [
            (app_id, figure, day_value(bulk, day), key)
            for figure, day, key, value in rows
            if value < 0
        ],
    )


def counts(
    bulk: BulkWriter, app_id: int, figure: str, start: date, end: date, key: str | None = None
) -> list[tuple[date, str, int]]:
    """(day, key, value) of one figure between two days, both included, in day order."""
    text = (
        "SELECT day, key, value FROM analytics_counts"
        " WHERE app_id = ? AND figure = ? AND day >= ? AND day <= ?"
    )
    params: list[Any] = [app_id, figure, day_value(bulk, start), day_value(bulk, end)]
    if key is not None:
        text += " AND key = ?"
        params.append(key)
    rows = bulk.fetch(text + " ORDER BY day, key", *params)
    return [(_date(day), str(k), int(value)) for day, k, value in rows]


def clear(bulk: BulkWriter, app_id: int) -> None:
    """Remove an app's rollups and snapshots (before a rebuild writes them again)."""
    for table in TABLES:
        bulk.executemany(f"DELETE FROM {table} WHERE app_id = ?", [(app_id,)])  # noqa: S608


def snapshot(bulk: BulkWriter, app_id: int, figure: str) -> tuple[datetime, dict[str, Any]] | None:
    rows = bulk.fetch(
        "SELECT as_of, data FROM analytics_snapshots WHERE app_id = ? AND figure = ?",
        app_id,
        figure,
    )
    if not rows:
        return None
    as_of, data = rows[0]
    stamp = as_utc(as_of)
    assert stamp is not None
    return stamp, data if isinstance(data, dict) else loads_json(data)


def save_snapshot(
    bulk: BulkWriter, app_id: int, figure: str, as_of: datetime, data: dict[str, Any]
) -> None:
    bulk.executemany(
        "INSERT INTO analytics_snapshots (app_id, figure, as_of, data) VALUES (?, ?, ?, ?json)"
        " ON CONFLICT (app_id, figure) DO UPDATE SET as_of = excluded.as_of, data = excluded.data",
        [(app_id, figure, bulk.timestamp(as_of), bulk.json(data))],
    )


def _date(value: Any) -> date:
    found = as_date(value)
    assert found is not None
    return found
