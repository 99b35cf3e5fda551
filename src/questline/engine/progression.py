"""After an event's metrics and rules: quests, streaks, achievements and scores move,
in that order (a quest's reward can unlock an achievement; a streak can too)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from questline.engine import achievements, quests, scores, streaks
from questline.engine.effects import Effect, MetricIncremented
from questline.engine.expressions import EvaluationError
from questline.engine.mechanic_effects import AchievementUnlocked
from questline.engine.periods import local_date
from questline.engine.reader import StateReader
from questline.engine.rewards import grant
from questline.engine.state import Event


@dataclass
class Before:
    """Measures taken before the event, to tell what it changed."""

    achievements: dict[str, int] = field(default_factory=dict)
    scores: dict[str, scores.ScoreValue] = field(default_factory=dict)


def measure_before(reader: StateReader) -> Before:
    design = reader.design
    return Before(
        achievements.snapshot(reader) if design.achievements else {},
        scores.snapshot(reader) if design.scores else {},
    )


def advance(
    reader: StateReader,
    event: Event,
    before: Before,
    effects: list[Effect],
    emit: Callable[[Effect], None],
) -> None:
    design, state = reader.design, reader.state
    gained: dict[str, int] = {}
    for effect in effects:
        if isinstance(effect, MetricIncremented):
            gained[effect.metric] = gained.get(effect.metric, 0) + effect.by

    if gained:
        for quest in design.quests:
            key = quests.instance(
                quest,
                reader.periods,
                event.occurred_at,
                event.time_zone,
                state.quest_joins.get(quest.id),
            )
            if key is None:
                continue
            moved = quests.advance(quest, state, key, gained)
            if moved is None:
                continue
            emit(moved.progressed)
            if moved.completed is not None:
                emit(moved.completed)
                label = f"quest {quest.id}"
                for reward in grant(quest.spec.rewards, "quest", quest.id, label, reader):
                    emit(reward)

    day = local_date(event.occurred_at, event.time_zone)
    for streak in design.streaks:
        if not streak.counts(event.type):
            continue
        try:
            holds = streak.when.evaluate(reader)
        except EvaluationError:
            continue  # a condition that cannot be read yet does not hold
        if holds is True:
            for effect in streaks.extend(
                streak, state.streak(streak.key), day, event.time_zone, event.occurred_at
            ):
                emit(effect)

    if design.achievements:
        unlock_achievements(reader, emit)
        for effect in achievements.unlock(reader, before.achievements):
            emit(effect)

    if design.scores:
        for change in scores.tier_changes(before.scores, scores.snapshot(reader)):
            emit(change)


def unlock_achievements(reader: StateReader, emit: Callable[[Effect], None]) -> None:
    """Award every achievement the player qualifies for and lacks, with its rewards,
    until nothing more unlocks (a reward can complete another achievement)."""
    design = reader.design
    while True:
        unlocked = achievements.unlock(reader)
        for effect in unlocked:
            emit(effect)
            assert isinstance(effect, AchievementUnlocked)
            compiled = design.achievement(effect.achievement)
            assert compiled is not None
            tier = next(t for t in compiled.tiers if (t.name or None) == effect.tier)
            source = compiled.id + (f"/{effect.tier}" if effect.tier else "")
            label = f"achievement {compiled.id}" + (f" ({effect.tier})" if effect.tier else "")
            for reward in grant(tier.rewards, "achievement", source, label, reader):
                emit(reward)
        if not unlocked:
            return
