"""After an event's metrics and rules: quests, streaks, achievements and scores move,
in that order (a quest's reward can unlock an achievement; a streak can too).

Only what the event changed is re-checked: each effect names the input roots it moved
(`metric.tasks`, `currency.xp`, `streak.daily`, `achievement.ten-passes`), and an
achievement or score is evaluated only when one of its inputs is among them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from questline.engine import achievements, quests, scores, streaks
from questline.engine.effects import BalanceOpened, CurrencyAwarded, Effect, MetricIncremented
from questline.engine.expressions import EvaluationError
from questline.engine.mechanics_effects import (
    AchievementUnlocked,
    StreakBroken,
    StreakExtended,
    StreakFreezesGranted,
    StreakFrozen,
)
from questline.engine.periods import local_date
from questline.engine.rewards import grant
from questline.engine.state import Event, PlayerState
from questline.engine.view import StateView

_STREAK_EFFECTS = (StreakExtended, StreakFrozen, StreakBroken, StreakFreezesGranted)


def changed_roots(effects: Iterable[Effect], into: set[str]) -> set[str]:
    for effect in effects:
        if isinstance(effect, MetricIncremented):
            into.add(f"metric.{effect.metric}")
        elif isinstance(effect, CurrencyAwarded | BalanceOpened):
            into.add(f"currency.{effect.currency}")
        elif isinstance(effect, _STREAK_EFFECTS):
            into.add(f"streak.{effect.streak}")
        elif isinstance(effect, AchievementUnlocked):
            into.add(f"achievement.{effect.achievement}")
    return into


def advance(
    view: StateView,
    event: Event,
    before: PlayerState,
    effects: list[Effect],
    emit: Callable[[Effect], None],
) -> None:
    """`view` reads the working state; `before` is the state before the event."""
    design, state = view.design, view.state
    changed = changed_roots(effects, set())

    def record(effect: Effect) -> None:
        emit(effect)
        changed_roots((effect,), changed)

    gained: dict[str, int] = {}
    for effect in effects:
        if isinstance(effect, MetricIncremented):
            gained[effect.metric] = gained.get(effect.metric, 0) + effect.by

    if gained:
        for quest in design.quests:
            key = quests.instance(
                quest,
                view.periods,
                event.occurred_at,
                event.time_zone,
                state.quest_joins.get(quest.id),
            )
            if key is None:
                continue
            moved = quests.advance(quest, state, key, gained)
            if moved is None:
                continue
            record(moved.progressed)
            if moved.completed is not None:
                record(moved.completed)
                label = f"quest {quest.id}"
                for reward in grant(quest.spec.rewards, "quest", quest.id, label, view):
                    record(reward)

    day = local_date(event.occurred_at, event.time_zone)
    for streak in design.streaks:
        if not streak.counts(event.type):
            continue
        try:
            holds = streak.when.evaluate(view)
        except EvaluationError:
            continue  # a condition that cannot be read yet does not hold
        if holds is True:
            for effect in streaks.extend(
                streak, state.streak(streak.key), day, event.time_zone, event.occurred_at
            ):
                record(effect)

    if not (design.achievements or design.scores):
        return
    earlier = StateView(before, view.periods, design)
    if design.achievements:
        unlock_achievements(view, record, changed)
        for progress in achievements.progressed(earlier, view, changed):
            emit(progress)
    if design.scores:
        for change in scores.tier_changes(earlier, view, changed):
            emit(change)
        ranked = {
            board.source.key
            for board in design.leaderboards.values()
            if board.source.kind == "score"
        }
        if ranked:
            for new_value in scores.ranked_changes(earlier, view, changed, ranked):
                emit(new_value)


def unlock_achievements(
    view: StateView, emit: Callable[[Effect], None], changed: set[str] | None = None
) -> None:
    """Award every achievement the player qualifies for and lacks, with its rewards,
    until nothing more unlocks (a reward can complete another achievement). `emit`
    is expected to add what each award and reward moves to `changed`."""
    design = view.design
    while True:
        unlocked = achievements.unlock(view, changed)
        for effect in unlocked:
            emit(effect)
            compiled = design.achievement(effect.achievement)
            assert compiled is not None
            tier = next(t for t in compiled.tiers if (t.name or None) == effect.tier)
            source = compiled.id + (f"/{effect.tier}" if effect.tier else "")
            label = f"achievement {compiled.id}" + (f" ({effect.tier})" if effect.tier else "")
            for reward in grant(tier.rewards, "achievement", source, label, view):
                emit(reward)
        if not unlocked:
            return
