"""The rows achievements, streaks and quests read and write in a processing batch.

Awards, freeze uses and quest completions are plain INSERTs: their unique keys make
a second award for the same (player, achievement, tier, period) fail the whole
batch rather than pass silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from questline.engine.effects import Effect, Effects
from questline.engine.mechanics_effects import (
    AchievementUnlocked,
    QuestCompleted,
    QuestProgressed,
    StreakExtended,
    StreakFreezesGranted,
    StreakFrozen,
)
from questline.engine.state import QUEST, QUEST_DONE, PlayerState, StreakState
from questline.storage.bulk import BulkWriter, as_date

_STREAK_COLUMNS = (
    "current, longest, started_on, last_on, last_zone, freezes, since_grant,"
    " broken_length, broken_started_on"
)

_SELECT_STREAKS = f"SELECT player_id, key, {_STREAK_COLUMNS} FROM streaks WHERE player_id IN ?list"  # noqa: S608 (constant columns)


def streak_from_row(row: Sequence[Any]) -> StreakState:
    current, longest, started, last, zone, freezes, since, broken, broken_started = row
    return StreakState(
        current=current,
        longest=longest,
        started_on=as_date(started),
        last_on=as_date(last),
        last_zone=zone,
        freezes=freezes,
        since_grant=since,
        broken_length=broken,
        broken_started_on=as_date(broken_started),
    )


def load(
    bulk: BulkWriter, states: dict[int, PlayerState], ids: list[int], periods: list[str]
) -> None:
    awards = (
        "SELECT player_id, achievement, tier, period FROM achievement_awards"
        " WHERE player_id IN ?list AND period IN ?list"
    )
    for player_id, achievement, tier, period in bulk.fetch(awards, ids, periods):
        states[player_id].awards.add((achievement, tier, period))
    for row in bulk.fetch(_SELECT_STREAKS, ids):
        states[row[0]].streaks[row[1]] = streak_from_row(row[2:])
    joins = "SELECT player_id, quest, joined_at FROM quest_joins WHERE player_id IN ?list"
    for player_id, quest, joined_at in bulk.fetch(joins, ids):
        states[player_id].quest_joins[quest] = _aware(joined_at)


def load_streaks(bulk: BulkWriter, player_id: int) -> dict[str, StreakState]:
    """One player's streaks by key (a read that needs nothing else of their state)."""
    return {row[1]: streak_from_row(row[2:]) for row in bulk.fetch(_SELECT_STREAKS, [player_id])}


def _aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class MechanicsRows:
    def __init__(self, touched_counters: set[tuple[int, str, str]]) -> None:
        self.touched_counters = touched_counters
        self.awards: list[tuple[Any, ...]] = []
        self.freeze_uses: list[tuple[Any, ...]] = []
        self.completions: list[tuple[Any, ...]] = []
        self.touched_streaks: set[tuple[int, str]] = set()
        self.loaded_streaks: dict[tuple[int, str], StreakState] = {}

    def remember_loaded(self, states: dict[int, PlayerState]) -> None:
        self.loaded_streaks = {
            (player_id, key): held
            for player_id, state in states.items()
            for key, held in state.streaks.items()
        }

    def unchanged(self, bulk: BulkWriter) -> bool:
        """Whether the streaks this batch will write still hold what it read (a batch
        scored on a snapshot must not overwrite a restore or a grant made meanwhile)."""
        if not self.touched_streaks:
            return True
        players = sorted({player_id for player_id, _ in self.touched_streaks})
        now = {
            (row[0], row[1]): streak_from_row(row[2:])
            for row in bulk.fetch(_SELECT_STREAKS, players)
        }
        return all(now.get(key) == self.loaded_streaks.get(key) for key in self.touched_streaks)

    def track(
        self, app_id: int, player_id: int, seq: int | None, effects: Effects, effect: Effect
    ) -> None:
        if isinstance(effect, AchievementUnlocked):
            self.awards.append(
                (
                    app_id,
                    player_id,
                    effect.achievement,
                    effect.tier or "",
                    effect.period,
                    effect.value,
                    effect.target,
                    effect.rewards,
                    effect.breakdown,
                    seq,
                    effects.config_version,
                )
            )
        elif isinstance(effect, StreakExtended | StreakFreezesGranted):
            self.touched_streaks.add((player_id, effect.streak))
        elif isinstance(effect, StreakFrozen):
            self.touched_streaks.add((player_id, effect.streak))
            self.freeze_uses.append((player_id, effect.streak, effect.covered, seq))
        elif isinstance(effect, QuestProgressed):
            for metric in effect.progress:
                self.touched_counters.add(
                    (player_id, f"{QUEST}{effect.quest}.{metric}", effect.instance)
                )
        elif isinstance(effect, QuestCompleted):
            self.touched_counters.add((player_id, QUEST_DONE + effect.quest, effect.instance))
            self.completions.append(
                (
                    app_id,
                    player_id,
                    effect.quest,
                    effect.instance,
                    effect.objectives,
                    effect.rewards,
                    seq,
                )
            )

    def write(self, bulk: BulkWriter, states: dict[int, PlayerState], now: datetime) -> None:
        stamp = bulk.timestamp(now)
        bulk.executemany(
            "INSERT INTO achievement_awards (app_id, player_id, achievement, tier, period, value,"
            " target, rewards, breakdown, event_seq, config_version, awarded_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?json, ?json, ?, ?, ?)",
            [
                (*row[:7], bulk.json(row[7]), bulk.json(row[8]), row[9], row[10], stamp)
                for row in self.awards
            ],
        )
        bulk.executemany(
            "INSERT INTO streak_freeze_uses (player_id, key, covered, event_seq, used_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (pid, key, day_value(bulk, covered), seq, stamp)
                for pid, key, covered, seq in self.freeze_uses
            ],
        )
        bulk.executemany(
            "INSERT INTO quest_completions (app_id, player_id, quest, instance, objectives,"
            " rewards, event_seq, completed_at) VALUES (?, ?, ?, ?, ?json, ?json, ?, ?)",
            [
                (*row[:4], bulk.json(row[4]), bulk.json(row[5]), row[6], stamp)
                for row in self.completions
            ],
        )
        upsert_streaks(
            bulk,
            [(pid, key, states[pid].streak(key)) for pid, key in sorted(self.touched_streaks)],
        )


def day_value(bulk: BulkWriter, value: date | None) -> Any:
    if value is None or bulk.postgres:
        return value
    return value.isoformat()


def upsert_streaks(bulk: BulkWriter, rows: list[tuple[int, str, StreakState]]) -> None:
    bulk.executemany(
        f"INSERT INTO streaks (player_id, key, {_STREAK_COLUMNS})"  # noqa: S608 (constant columns)
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (player_id, key) DO UPDATE SET current = excluded.current,"
        " longest = excluded.longest, started_on = excluded.started_on,"
        " last_on = excluded.last_on, last_zone = excluded.last_zone,"
        " freezes = excluded.freezes, since_grant = excluded.since_grant,"
        " broken_length = excluded.broken_length,"
        " broken_started_on = excluded.broken_started_on",
        [
            (
                pid,
                key,
                held.current,
                held.longest,
                day_value(bulk, held.started_on),
                day_value(bulk, held.last_on),
                held.last_zone,
                held.freezes,
                held.since_grant,
                held.broken_length,
                day_value(bulk, held.broken_started_on),
            )
            for pid, key, held in rows
        ],
    )
