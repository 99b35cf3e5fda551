"""Distributions of the players' current state — levels, streak lengths, achievement
unlocks, quest progress — computed from the core's tables under the app's current design.

They change without events (a published level curve re-levels everyone, a day without
practice breaks a streak, a backfill unlocks badges), so they are not rolled up per
event: the periodic job `analytics-snapshots` computes them for each app and keeps the
result, and reads answer from it (with its `as_of`) in constant time. An app with no
snapshot yet is computed on the spot."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from questline.analytics import store
from questline.analytics.model import STREAK_BUCKETS, share, streak_bucket
from questline.engine.compiler import CompiledDesign
from questline.engine.mechanics import localize
from questline.engine.quests import objective_name
from questline.engine.state import QUEST
from questline.engine.streaks import status
from questline.processing.designs import DesignCache
from questline.processing.mechanics_rows import streak_from_row
from questline.processing.periodic import JobContext, PeriodicJob, register
from questline.storage.bulk import BulkWriter
from questline.storage.database import Database

log = logging.getLogger(__name__)

LEVELS, STREAKS, ACHIEVEMENTS, QUESTS = "levels", "streaks", "achievements", "quests"
FIGURES = (LEVELS, STREAKS, ACHIEVEMENTS, QUESTS)
EVERY = timedelta(minutes=5)


def compute(
    bulk: BulkWriter, design: CompiledDesign | None, app_id: int, figure: str, now: datetime
) -> dict[str, Any]:
    players = int(bulk.fetch("SELECT count(*) FROM players WHERE app_id = ?", app_id)[0][0])
    if figure == LEVELS:
        return {"players": players, "progressions": _levels(bulk, design, app_id, players)}
    if figure == STREAKS:
        return {"players": players, "streaks": _streaks(bulk, design, app_id, players, now)}
    if figure == ACHIEVEMENTS:
        return {"players": players, "achievements": _achievements(bulk, design, app_id, players)}
    return {"players": players, "quests": _quests(bulk, design, app_id)}


def _levels(
    bulk: BulkWriter, design: CompiledDesign | None, app_id: int, players: int
) -> list[dict[str, Any]]:
    found = []
    for currency, curve in sorted((design.levels if design else {}).items()):
        per_level: dict[int, int] = {}
        rows = bulk.fetch(
            "SELECT b.earned, count(*) FROM balances b JOIN players p ON p.id = b.player_id"
            " WHERE p.app_id = ? AND b.currency = ? GROUP BY b.earned",
            app_id,
            currency,
        )
        for earned, count in rows:
            level = curve.level_for(int(earned))
            per_level[level] = per_level.get(level, 0) + int(count)
        # A player who never earned the currency is at the first level.
        per_level[1] = per_level.get(1, 0) + players - sum(int(count) for _, count in rows)
        top = max(per_level)
        found.append(
            {
                "currency": currency,
                "levels": [
                    {"level": level, "players": per_level.get(level, 0)}
                    for level in range(1, top + 1)
                ],
            }
        )
    return found


def _streaks(
    bulk: BulkWriter, design: CompiledDesign | None, app_id: int, players: int, now: datetime
) -> list[dict[str, Any]]:
    found = []
    for streak in design.streaks if design else ():
        counts = dict.fromkeys((label for label, _, _ in STREAK_BUCKETS), 0)
        rows = bulk.fetch(
            "SELECT p.time_zone, s.current, s.longest, s.started_on, s.last_on, s.last_zone,"
            " s.freezes, s.since_grant, s.broken_length, s.broken_started_on"
            " FROM streaks s JOIN players p ON p.id = s.player_id"
            " WHERE p.app_id = ? AND s.key = ? AND s.current > 0",
            app_id,
            streak.key,
        )
        for row in rows:
            # The length a player sees now: a streak not extended in time has broken.
            length = status(streak, streak_from_row(row[1:]), now, row[0] or "UTC").current
            counts[streak_bucket(length)] += 1
        counts["0"] += players - len(rows)
        found.append(
            {
                "streak": streak.key,
                "buckets": [{"length": label, "players": n} for label, n in counts.items()],
            }
        )
    return found


def _achievements(
    bulk: BulkWriter, design: CompiledDesign | None, app_id: int, players: int
) -> list[dict[str, Any]]:
    holders = {
        str(achievement): int(count)
        for achievement, count in bulk.fetch(
            "SELECT achievement, count(DISTINCT player_id) FROM achievement_awards"
            " WHERE app_id = ? GROUP BY achievement",
            app_id,
        )
    }
    return [
        {
            "achievement": a.id,
            "name": localize(a.spec.name, None) or a.id,
            "players": holders.get(a.id, 0),
            "share": share(holders.get(a.id, 0), players),
        }
        for a in (design.achievements if design else ())
    ]


def _quests(bulk: BulkWriter, design: CompiledDesign | None, app_id: int) -> list[dict[str, Any]]:
    found = []
    for quest in design.quests if design else ():
        keys = [f"{QUEST}{quest.id}.{o.metric}" for o in quest.spec.objectives]
        started = bulk.fetch(
            "SELECT count(*) FROM (SELECT c.player_id FROM counters c"
            " JOIN players p ON p.id = c.player_id"
            " WHERE p.app_id = ? AND c.key IN ?list AND c.value > 0"
            " UNION SELECT j.player_id FROM quest_joins j JOIN players p ON p.id = j.player_id"
            " WHERE p.app_id = ? AND j.quest = ?) AS started",
            app_id,
            keys,
            app_id,
            quest.id,
        )[0][0]
        steps: list[dict[str, Any]] = [{"step": "started", "players": int(started)}]
        for objective, key in zip(quest.spec.objectives, keys, strict=True):
            reached = bulk.fetch(
                "SELECT count(DISTINCT c.player_id) FROM counters c"
                " JOIN players p ON p.id = c.player_id"
                " WHERE p.app_id = ? AND c.key = ? AND c.value >= ?",
                app_id,
                key,
                objective.target,
            )[0][0]
            steps.append(
                {
                    "step": "objective",
                    "objective": objective.metric,
                    "name": objective_name(
                        objective, design.design.metrics if design else {}, None
                    ),
                    "target": objective.target,
                    "players": int(reached),
                }
            )
        completed = bulk.fetch(
            "SELECT count(DISTINCT player_id) FROM quest_completions"
            " WHERE app_id = ? AND quest = ?",
            app_id,
            quest.id,
        )[0][0]
        steps.append({"step": "completed", "players": int(completed)})
        found.append(
            {"quest": quest.id, "name": localize(quest.spec.name, None) or quest.id, "steps": steps}
        )
    return found


def refresh(
    database: Database, designs: DesignCache, app_id: int, now: datetime | None = None
) -> None:
    """Compute and keep every distribution of one app (each in its own transaction)."""
    now = now or datetime.now(UTC)
    for figure in FIGURES:
        with database.reader() as session:
            bulk = BulkWriter(session)
            design = designs.current(session, {app_id}).get(app_id)
            data = compute(bulk, design, app_id, figure, now)
        with database.transaction() as session:
            store.save_snapshot(BulkWriter(session), app_id, figure, now, data)


def refresh_all(context: JobContext) -> int:
    with context.database.reader() as session:
        apps = [int(row[0]) for row in BulkWriter(session).fetch("SELECT id FROM apps ORDER BY id")]
    for app_id in apps:
        refresh(context.database, context.worker.designs, app_id)
    return len(apps)


register(PeriodicJob("analytics-snapshots", EVERY, refresh_all))
