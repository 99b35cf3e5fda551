"""Quests: time-boxed objectives over metrics, with rewards on completion.

A quest runs in instances: one per local day (daily), per ISO week (weekly), or one
for a fixed window or for the days after a player joins it. Progress counts what the
objectives' metrics gained during the instance; completion is recorded once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from questline.engine.design import Metric
from questline.engine.mechanics import QuestObjective, QuestPeriod, localize
from questline.engine.mechanics_compiler import CompiledQuest
from questline.engine.mechanics_effects import QuestCompleted, QuestProgressed
from questline.engine.periods import ALL_TIME, Period, local_date
from questline.engine.state import QUEST, QUEST_DONE, PlayerState


def objective_name(
    objective: QuestObjective,
    metrics: Mapping[str, Metric],
    locale: str | None,
    default: str = "en",
) -> str:
    """The objective's own name, else one made of its target and metric: "20 cards
    reviewed" (the metric's description), or "5 practice days" (its key)."""
    named = localize(objective.name, locale, default)
    if named:
        return named
    metric = metrics.get(objective.metric)
    what = metric.description if metric is not None and metric.description else None
    return f"{objective.target} {what or objective.metric.replace('_', ' ')}"


def instance(
    quest: CompiledQuest,
    periods: Mapping[Period, str],
    at: datetime,
    time_zone: str,
    joined_at: datetime | None,
) -> str | None:
    """The instance of the quest running at `at`, or None if it is not running."""
    spec = quest.spec
    if spec.period is QuestPeriod.DAY:
        return periods[Period.TODAY]
    if spec.period is QuestPeriod.WEEK:
        return periods[Period.WEEK]
    if spec.join:
        if joined_at is None or at < joined_at:
            return None
        assert spec.duration_days is not None
        last_day = expires_on(quest, joined_at, time_zone)
        return ALL_TIME if local_date(at, time_zone) <= last_day else None
    assert spec.starts is not None
    assert spec.ends is not None
    return ALL_TIME if spec.starts <= at < spec.ends else None


def expires_on(quest: CompiledQuest, joined_at: datetime, time_zone: str) -> date:
    """The last local day of a joined quest: it runs `duration_days` calendar days."""
    assert quest.spec.duration_days is not None
    return local_date(joined_at, time_zone) + timedelta(days=quest.spec.duration_days - 1)


def progress_of(quest: CompiledQuest, state: PlayerState, instance_key: str) -> dict[str, int]:
    return {
        objective.metric: state.counter(f"{QUEST}{quest.id}.{objective.metric}", instance_key)
        for objective in quest.spec.objectives
    }


def completed(quest: CompiledQuest, state: PlayerState, instance_key: str) -> bool:
    return state.counter(QUEST_DONE + quest.id, instance_key) > 0


@dataclass(frozen=True)
class QuestStep:
    progressed: QuestProgressed
    completed: QuestCompleted | None


def advance(
    quest: CompiledQuest,
    state: PlayerState,
    instance_key: str,
    gained: Mapping[str, int],
) -> QuestStep | None:
    """Add what the event's metrics gained to the quest's objectives."""
    spec = quest.spec
    if completed(quest, state, instance_key):
        return None
    relevant = gained.keys() & quest.metrics
    if not relevant:
        return None
    now = progress_of(quest, state, instance_key)
    for metric in relevant:
        now[metric] += gained[metric]
    progressed = QuestProgressed(spec.id, instance_key, {m: now[m] for m in sorted(relevant)})
    done = None
    if all(now[o.metric] >= o.target for o in spec.objectives):
        objectives: dict[str, dict[str, int]] = {
            o.metric: {"progress": now[o.metric], "target": o.target} for o in spec.objectives
        }
        rewards: dict[str, Any] = spec.rewards.model_dump(exclude_defaults=True)
        done = QuestCompleted(spec.id, instance_key, objectives, rewards)
    return QuestStep(progressed, done)
