"""Past-tense facts about achievements, streaks, quests and scores."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, get_args

from questline.engine.state import QUEST, QUEST_DONE, PlayerState, StreakState


@dataclass(slots=True)
class AchievementUnlocked:
    achievement: str
    tier: str | None
    period: str  # "all" for a once-only achievement, else the day or week it was earned in
    value: int
    target: int
    rewards: dict[str, Any]
    breakdown: dict[str, Any]
    kind: str = field(default="achievement_unlocked", init=False)


@dataclass(slots=True)
class AchievementProgressed:
    achievement: str
    tier: str | None
    previous: int
    value: int
    target: int
    kind: str = field(default="achievement_progressed", init=False)


@dataclass(slots=True)
class StreakExtended:
    streak: str
    period: date
    current: int
    longest: int
    started_on: date
    freezes_granted: int
    state: StreakState
    kind: str = field(default="streak_extended", init=False)


@dataclass(slots=True)
class StreakFrozen:
    streak: str
    covered: date  # the period the freeze stood in for
    freezes_left: int
    kind: str = field(default="streak_frozen", init=False)


@dataclass(slots=True)
class StreakBroken:
    streak: str
    length: int
    last_period: date
    missed: int  # periods missed with no freeze to cover them
    kind: str = field(default="streak_broken", init=False)


@dataclass(slots=True)
class StreakFreezesGranted:
    streak: str
    count: int  # freezes actually added (a full holder gets fewer)
    freezes: int
    reason: str
    state: StreakState
    kind: str = field(default="streak_freezes_granted", init=False)


@dataclass(slots=True)
class QuestProgressed:
    quest: str
    instance: str
    progress: dict[str, int]  # metric -> progress after this event
    kind: str = field(default="quest_progressed", init=False)


@dataclass(slots=True)
class QuestCompleted:
    quest: str
    instance: str
    objectives: dict[str, dict[str, int]]  # metric -> {progress, target}
    rewards: dict[str, Any]
    kind: str = field(default="quest_completed", init=False)


@dataclass(slots=True)
class ScoreTierChanged:
    score: str
    tier: str | None
    previous_tier: str | None
    value: int | str
    previous_value: int | str
    components: dict[str, Any]
    kind: str = field(default="score_tier_changed", init=False)


@dataclass(slots=True)
class ScoreChanged:
    """A score a leaderboard ranks by took a new value (emitted only for such scores)."""

    score: str
    value: int  # rounded half-even to a whole number, as boards rank whole numbers
    previous: int
    kind: str = field(default="score_changed", init=False)


MechanicEffect = (
    AchievementUnlocked
    | AchievementProgressed
    | StreakExtended
    | StreakFrozen
    | StreakBroken
    | StreakFreezesGranted
    | QuestProgressed
    | QuestCompleted
    | ScoreTierChanged
    | ScoreChanged
)
# The same classes, for isinstance.
MECHANIC_EFFECTS: tuple[type[MechanicEffect], ...] = get_args(MechanicEffect)


def mechanic_effect_to_dict(effect: MechanicEffect) -> dict[str, Any]:
    if isinstance(effect, StreakExtended):
        return {
            "kind": effect.kind,
            "streak": effect.streak,
            "period": effect.period.isoformat(),
            "current": effect.current,
            "longest": effect.longest,
            "started_on": effect.started_on.isoformat(),
            "freezes_granted": effect.freezes_granted,
            "freezes": effect.state.freezes,
        }
    if isinstance(effect, StreakFreezesGranted):
        return {
            "kind": effect.kind,
            "streak": effect.streak,
            "count": effect.count,
            "freezes": effect.freezes,
            "reason": effect.reason,
        }
    found: dict[str, Any] = {"kind": effect.kind}
    for name in effect.__slots__:
        if name != "kind":
            value = getattr(effect, name)
            found[name] = value.isoformat() if isinstance(value, date) else value
    return found


def apply_mechanic_effect(state: PlayerState, effect: MechanicEffect) -> None:
    if isinstance(effect, AchievementUnlocked):
        state.awards.add((effect.achievement, effect.tier or "", effect.period))
    elif isinstance(effect, StreakExtended | StreakFreezesGranted):
        state.streaks[effect.streak] = effect.state
    elif isinstance(effect, StreakFrozen):
        # The freeze is spent here; the StreakExtended that follows carries the rest.
        held = state.streak(effect.streak)
        state.streaks[effect.streak] = replace(held, freezes=effect.freezes_left)
    elif isinstance(effect, QuestProgressed):
        for metric, value in effect.progress.items():
            state.counters[(f"{QUEST}{effect.quest}.{metric}", effect.instance)] = value
    elif isinstance(effect, QuestCompleted):
        state.counters[(QUEST_DONE + effect.quest, effect.instance)] = 1
