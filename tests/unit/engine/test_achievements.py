"""Achievements, quests and scores with plain objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questline.engine.compiler import CompiledDesign, DesignError, compile_design
from questline.engine.effects import CurrencyAwarded
from questline.engine.mechanics_effects import (
    AchievementProgressed,
    AchievementUnlocked,
    QuestCompleted,
    ScoreTierChanged,
)
from questline.engine.periods import local_date, period_keys
from questline.engine.process import step
from questline.engine.scores import compute
from questline.engine.state import Event, PlayerState
from questline.engine.view import StateView
from questline.yamlfile import load_yaml

MONDAY = datetime(2026, 5, 4, 9, tzinfo=UTC)

GAME = """
currencies:
  xp: {levels: {thresholds: [0, 100, 300]}}
  gems: {}
metrics:
  tasks: {count: task.done}
  focus: {sum: focus.logged, of: event.minutes}
  days: {active_days: "*"}
rules:
  - {id: task-xp, on: task.done, award: {xp: 40}}
achievements:
  - id: worker
    name: {en: Worker, de: Arbeiter}
    category: tasks
    progress: metric.tasks
    tiers:
      - {name: bronze, target: 2, rewards: {currencies: {gems: 5}}}
      - {name: silver, target: 4, rewards: {currencies: {xp: 100}}}
  - id: long-focus
    count: {on: focus.logged, where: "event.minutes >= 50"}
    target: 2
  - {id: weekly-three, progress: metric.tasks.week, target: 3, repeat: week}
  - {id: both, all_of: [worker, long-focus], rewards: {currencies: {gems: 10}}}
  - {id: either, any_of: [long-focus, weekly-three]}
  - {id: two-of-three, n_of: {n: 2, of: [worker, long-focus, weekly-three]}}
  - {id: hidden, secret: true, when: "metric.focus >= 1000"}
quests:
  - id: daily-tasks
    period: day
    objectives: [{metric: tasks, target: 2}]
    rewards: {currencies: {gems: 3}}
  - id: sprint
    period: window
    join: true
    duration_days: 2
    objectives: [{metric: tasks, target: 3}, {metric: focus, target: 60}]
scores:
  reliability:
    formula: "metric.tasks - metric.days"
    min: -5
    max: 20
    tiers: [{name: gold, min: 10}, {name: green, min: 0}, {name: red}]
"""


def compiled(text: str = GAME) -> CompiledDesign:
    return compile_design(load_yaml(text), 1)


class Player:
    def __init__(self, design: CompiledDesign | None = None) -> None:
        self.design = design or compiled()
        self.state = PlayerState("p")
        self.seq = 0

    def send(self, type_: str, at: datetime = MONDAY, **props: int) -> list[Any]:
        self.seq += 1
        values = {k: Decimal(v) for k, v in props.items()}
        event = Event(self.seq, type_, at, "UTC", values)
        effects, self.state = step(self.state, event, self.design)
        return list(effects.items)


def unlocked(effects: list[Any]) -> list[tuple[str, str | None]]:
    return [(e.achievement, e.tier) for e in effects if isinstance(e, AchievementUnlocked)]


def test_tiers_unlock_in_turn_with_their_rewards_explained_in_the_ledger() -> None:
    player = Player()
    assert unlocked(player.send("task.done")) == []
    effects = player.send("task.done")
    assert unlocked(effects) == [("worker", "bronze")]
    [gems] = [e for e in effects if isinstance(e, CurrencyAwarded) and e.cause == "achievement"]
    assert (gems.currency, gems.amount, gems.rule) == ("gems", 5, "achievement:worker/bronze")
    assert gems.explanation == "achievement worker (bronze): reward 5 gems: +5 gems"
    player.send("task.done")
    effects = player.send("task.done")
    assert ("worker", "silver") in unlocked(effects)
    # 4 tasks × 40 XP + 100 XP reward = 260: level 2 of the thresholds 0/100/300.
    assert player.state.balance("xp").balance == 260
    assert player.state.balance("gems").balance == 5 + 3  # bronze, the daily quest (once)


def test_an_achievement_is_never_unlocked_twice() -> None:
    player = Player()
    seen: list[tuple[str, str | None]] = []
    for _ in range(8):
        seen += [u for u in unlocked(player.send("task.done")) if u[0] == "worker"]
    assert seen == [("worker", "bronze"), ("worker", "silver")]


def test_counts_of_filtered_events_and_combinations_of_achievements() -> None:
    player = Player()
    player.send("focus.logged", minutes=30)
    assert unlocked(player.send("focus.logged", minutes=50)) == []
    effects = player.send("focus.logged", minutes=55)
    assert unlocked(effects) == [("long-focus", None), ("either", None)]
    player.send("task.done")
    effects = player.send("task.done")
    assert unlocked(effects) == [("worker", "bronze"), ("both", None), ("two-of-three", None)]
    assert player.state.balance("gems").balance == 5 + 10 + 3


def test_repeatable_achievements_come_back_each_week() -> None:
    player = Player()
    weeks = []
    for week in range(3):
        for day in range(3):
            at = MONDAY + timedelta(weeks=week, days=day)
            weeks += [
                (e.period, e.achievement)
                for e in player.send("task.done", at)
                if isinstance(e, AchievementUnlocked) and e.achievement == "weekly-three"
            ]
    assert weeks == [
        ("w:2026-W19", "weekly-three"),
        ("w:2026-W20", "weekly-three"),
        ("w:2026-W21", "weekly-three"),
    ]


def test_progress_is_reported_for_locked_achievements_but_never_for_secret_ones() -> None:
    player = Player()
    effects = player.send("focus.logged", minutes=10)
    moved = {
        (e.achievement, e.tier): (e.previous, e.value, e.target)
        for e in effects
        if isinstance(e, AchievementProgressed)
    }
    assert moved == {}  # long-focus counts only sessions of 50 minutes or more
    effects = player.send("task.done")
    moved = {
        (e.achievement, e.tier): (e.previous, e.value, e.target)
        for e in effects
        if isinstance(e, AchievementProgressed)
    }
    assert moved[("worker", "bronze")] == (0, 1, 2)
    assert moved[("weekly-three", None)] == (0, 1, 3)
    effects = player.send("focus.logged", minutes=2000)
    assert unlocked(effects)[0] == ("hidden", None)
    assert not any(
        e.achievement == "hidden" for e in effects if isinstance(e, AchievementProgressed)
    )


def test_a_daily_quest_completes_once_a_day_and_a_joined_quest_expires() -> None:
    player = Player()
    player.send("task.done")
    done = [e for e in player.send("task.done") if isinstance(e, QuestCompleted)]
    assert [(d.quest, d.instance) for d in done] == [("daily-tasks", "d:2026-05-04")]
    assert not any(isinstance(e, QuestCompleted) for e in player.send("task.done"))

    player.state.quest_joins["sprint"] = MONDAY  # joined Monday: runs Monday and Tuesday
    tuesday = MONDAY + timedelta(days=1)
    for _ in range(3):
        player.send("task.done", tuesday)
    effects = player.send("focus.logged", tuesday, minutes=60)
    [sprint] = [e for e in effects if isinstance(e, QuestCompleted) and e.quest == "sprint"]
    assert sprint.objectives == {
        "tasks": {"progress": 3, "target": 3},
        "focus": {"progress": 60, "target": 60},
    }
    late = Player()
    late.state.quest_joins["sprint"] = MONDAY
    for _ in range(3):
        late.send("task.done", MONDAY + timedelta(days=2))
    late.send("focus.logged", MONDAY + timedelta(days=2), minutes=60)
    assert late.state.counter("quest-done:sprint", "all") == 0


def test_scores_are_clamped_tiered_and_report_their_components() -> None:
    design = compiled()
    state = PlayerState("p")
    view = StateView(state, period_keys(local_date(MONDAY, "UTC")), design)
    fresh = compute(design.scores["reliability"], view)
    assert (fresh.plain, fresh.tier) == (0, "green")
    assert fresh.components == {"metric.tasks": 0, "metric.days": 0, "formula": 0}
    player = Player(design)
    changes = []
    for _ in range(25):
        changes += [e for e in player.send("task.done") if isinstance(e, ScoreTierChanged)]
    assert [(c.previous_tier, c.tier, c.value) for c in changes] == [("green", "gold", 10)]
    view = StateView(player.state, period_keys(local_date(MONDAY, "UTC")), design)
    top = compute(design.scores["reliability"], view)
    assert (top.plain, top.tier, top.clamped) == (20, "gold", True)
    assert top.components["formula"] == 24


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("{id: both, all_of: [worker, nope]}", "unknown achievement 'nope'"),
        ("{id: x, progress: metric.nope, target: 1}", "unknown name 'metric.nope'"),
        ("{id: x, when: event.score > 1}", "unknown name 'event.score'"),
        (
            "{id: x, progress: metric.tasks, target: 1, rewards: {currencies: {coins: 1}}}",
            "unknown currency 'coins'",
        ),
    ],
)
def test_a_design_with_a_broken_achievement_is_refused_with_its_location(
    change: str, message: str
) -> None:
    text = GAME.replace(
        '  - {id: hidden, secret: true, when: "metric.focus >= 1000"}', f"  - {change}"
    )
    with pytest.raises(DesignError) as error:
        compiled(text)
    assert any(
        message in issue.message and issue.loc[0] == "achievements" for issue in error.value.issues
    ), error.value.issues


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["task.done", "focus.logged"]),
            st.integers(min_value=0, max_value=120),
            st.integers(min_value=0, max_value=20),
        ),
        max_size=40,
    )
)
def test_achievements_are_monotone_never_unlocked_twice_and_never_lost(
    events: list[tuple[str, int, int]],
) -> None:
    player = Player()
    seen: set[tuple[str, str | None, str]] = set()
    held: set[tuple[str, str, str]] = set()
    for type_, minutes, day in events:
        at = MONDAY + timedelta(days=day)
        effects = player.send(type_, at, minutes=minutes)
        for effect in effects:
            if isinstance(effect, AchievementUnlocked):
                key = (effect.achievement, effect.tier, effect.period)
                assert key not in seen
                seen.add(key)
        assert held <= player.state.awards  # nothing held is ever lost
        held = set(player.state.awards)


def test_a_quest_whose_id_and_metric_are_too_long_to_store_is_refused() -> None:
    long_id = "q" * 60
    metric = "m" + "x" * 59
    text = f"""
metrics:
  {metric}: {{count: did}}
quests:
  - id: {long_id}
    objectives: [{{metric: {metric}, target: 1}}]
"""
    with pytest.raises(DesignError) as error:
        compiled(text)
    [issue] = error.value.issues
    assert issue.loc == ("quests", 0, "objectives", 0, "metric")
    assert "at most 113" in issue.message


def test_a_window_quest_counts_only_events_inside_its_window() -> None:
    text = """
metrics:
  tasks: {count: task.done}
quests:
  - id: winter
    period: window
    starts: 2026-05-05T00:00:00Z
    ends: 2026-05-07T00:00:00Z
    objectives: [{metric: tasks, target: 2}]
"""
    player = Player(compiled(text))
    player.send("task.done", MONDAY)  # 4 May: before the window
    player.send("task.done", MONDAY + timedelta(days=1))
    assert player.state.counter("quest:winter.tasks", "all") == 1
    player.send("task.done", MONDAY + timedelta(days=3))  # 7 May: after it
    assert player.state.counter("quest-done:winter", "all") == 0
    effects = player.send("task.done", MONDAY + timedelta(days=2))
    assert [e.quest for e in effects if isinstance(e, QuestCompleted)] == ["winter"]


@pytest.mark.parametrize(
    ("design_text", "loc", "message"),
    [
        (
            "achievements: [{id: a, progress: '1', tiers: [{name: b, target: 5},"
            " {name: c, target: 5}]}]",
            ("achievements", 0),
            "tier targets must be strictly increasing",
        ),
        (
            "achievements: [{id: a, when: 'true', target: 3}]",
            ("achievements", 0),
            "'when' sets its own target",
        ),
        (
            "achievements: [{id: a, progress: '1'}]",
            ("achievements", 0),
            "'progress' needs exactly one of 'target' or 'tiers'",
        ),
        (
            "achievements: [{id: a}]",
            ("achievements", 0),
            "an achievement needs exactly one of",
        ),
        (
            "scores: {s: {formula: '1', tiers: [{name: low}, {name: high, min: 5}]}}",
            ("scores", "s"),
            "only the last tier may leave out 'min'",
        ),
        (
            "quests: [{id: q, period: window, objectives: [{metric: m, target: 1}]}]",
            ("quests", 0),
            "a window quest needs 'starts' and 'ends'",
        ),
        (
            "quests: [{id: q, period: window, starts: '0001-01-01T00:00:00+14:00',"
            " ends: '2030-01-01T00:00:00Z', objectives: [{metric: m, target: 1}]}]",
            ("quests", 0),
            "0001-01-01T00:00:00+14:00 lies outside UTC's calendar",
        ),
        (
            "streaks: {s: {when: 'true', period: month}}",
            ("streaks", "s", "period"),
            "Input should be 'day' or 'week'",
        ),
    ],
)
def test_a_badly_shaped_mechanic_is_refused_with_where_and_what(
    design_text: str, loc: tuple[object, ...], message: str
) -> None:
    with pytest.raises(DesignError) as error:
        compiled("metrics: {m: {count: did}}\n" + design_text)
    assert any(issue.loc == loc and message in issue.message for issue in error.value.issues), (
        error.value.issues
    )
