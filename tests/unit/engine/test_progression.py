"""engine.progression with plain objects: what an event's metrics and awards move next,
in which order, and what is left alone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from questline.engine.compiler import CompiledDesign, compile_design
from questline.engine.effects import (
    CurrencyAwarded,
    Effect,
    MetricIncremented,
    RuleFired,
    apply_effect,
)
from questline.engine.mechanics_effects import (
    AchievementUnlocked,
    QuestCompleted,
    QuestProgressed,
    StreakExtended,
)
from questline.engine.periods import Period, local_date, period_keys
from questline.engine.progression import advance, changed_roots, unlock_achievements
from questline.engine.state import Balance, Event, PlayerState
from questline.engine.view import StateView
from questline.yamlfile import load_yaml

MONDAY = datetime(2026, 5, 4, 9, tzinfo=UTC)
PERIODS = period_keys(local_date(MONDAY, "UTC"))

GAME = compile_design(
    load_yaml("""
currencies: {gems: {}, xp: {}}
metrics:
  tasks: {count: task.done}
quests:
  - id: first-task
    objectives: [{metric: tasks, target: 1}]
    rewards: {currencies: {gems: 10}}
streaks:
  daily: {on: task.done, when: "metric.tasks.today >= 1"}
  lopsided: {on: task.done, when: "currency.gems / currency.xp > 1"}
achievements:
  - {id: rich, when: "currency.gems >= 10", rewards: {currencies: {xp: 5}}}
  - {id: seasoned, when: "currency.xp >= 5"}
"""),
    1,
)


def tasks_done(state: PlayerState, count: int) -> MetricIncremented:
    after = state.counter("metric:tasks", PERIODS[Period.ALL]) + count
    return MetricIncremented("tasks", count, dict.fromkeys(PERIODS.values(), after))


def advance_after(design: CompiledDesign, state: PlayerState, moved: list[Effect]) -> list[Effect]:
    """What `advance` adds after an event's metrics and rules moved `moved`."""
    before = state.copy()
    for effect in moved:
        apply_effect(state, effect)
    found: list[Effect] = []

    def emit(effect: Effect) -> None:
        apply_effect(state, effect)
        found.append(effect)

    event = Event(1, "task.done", MONDAY, "UTC", {})
    advance(StateView(state, PERIODS, design), event, before, moved, emit)
    return found


def named(effect: Effect) -> tuple[str, str]:
    for field in ("quest", "streak", "currency", "achievement"):
        if hasattr(effect, field):
            return type(effect).__name__, getattr(effect, field)
    return type(effect).__name__, ""


def test_quests_then_streaks_then_achievements_each_seeing_what_came_before() -> None:
    state = PlayerState("p")
    found = advance_after(GAME, state, [tasks_done(state, 1)])
    assert [named(e) for e in found] == [
        ("QuestProgressed", "first-task"),
        ("QuestCompleted", "first-task"),
        ("CurrencyAwarded", "gems"),  # the quest's reward ...
        ("StreakExtended", "daily"),  # (lopsided divides by xp = 0: it does not hold)
        ("AchievementUnlocked", "rich"),  # ... makes the player rich,
        ("CurrencyAwarded", "xp"),  # whose reward ...
        ("AchievementUnlocked", "seasoned"),  # ... unlocks the next in the same event.
    ]
    assert state.balance("gems") == Balance(10, 10)
    assert state.balance("xp") == Balance(5, 5)
    [completed] = [e for e in found if isinstance(e, QuestCompleted)]
    assert completed.rewards == {"currencies": {"gems": 10}}
    [extended] = [e for e in found if isinstance(e, StreakExtended)]
    assert (extended.period, extended.current) == (date(2026, 5, 4), 1)


def test_a_second_event_moves_only_what_is_still_open() -> None:
    state = PlayerState("p")
    advance_after(GAME, state, [tasks_done(state, 1)])
    found = advance_after(GAME, state, [tasks_done(state, 1)])
    # The quest is done for today, the streak already counted today, both achievements
    # are held: now lopsided (10 gems / 5 xp) holds, and that is all.
    assert [named(e) for e in found] == [("StreakExtended", "lopsided")]


def test_an_achievement_is_checked_only_when_one_of_its_inputs_moved() -> None:
    # The player already holds 20 xp (granted before `seasoned` was designed, say).
    design = compile_design(
        load_yaml("""
currencies: {xp: {}}
metrics: {tasks: {count: task.done}}
achievements: [{id: seasoned, when: "currency.xp >= 5"}]
"""),
        2,
    )
    state = PlayerState("p", balances={"xp": Balance(20, 20)})
    assert advance_after(design, state, [tasks_done(state, 1)]) == []

    # A backfill checks every achievement, whatever moved.
    found: list[Effect] = []
    unlock_achievements(StateView(state, PERIODS, design), found.append)
    assert [(e.achievement, e.value) for e in found if isinstance(e, AchievementUnlocked)] == [
        ("seasoned", 1)
    ]


def test_each_effect_names_the_input_root_it_moved() -> None:
    effects: list[Effect] = [
        MetricIncremented("tasks", 1, {}),
        CurrencyAwarded("r", "xp", 5, 5, 5, None, "", {}),
        AchievementUnlocked("rich", None, "all", 1, 1, {}, {}),
        QuestProgressed("first-task", "all", {"tasks": 1}),  # nothing reads a quest's progress
        RuleFired("r", None, {}),
    ]
    assert changed_roots(effects, {"streak.daily"}) == {
        "streak.daily",
        "metric.tasks",
        "currency.xp",
        "achievement.rich",
    }


def test_a_condition_that_cannot_be_evaluated_does_not_fail_the_event() -> None:
    state = PlayerState("p", balances={"gems": Balance(3, 3)})
    found = advance_after(GAME, state, [tasks_done(state, 1)])  # lopsided: 13 gems / 0 xp
    streaks = [named(e) for e in found if isinstance(e, StreakExtended)]
    assert streaks == [("StreakExtended", "daily")]
    assert state.balance("gems").balance == 13  # and the rest of the event went on
