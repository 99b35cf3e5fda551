"""engine.quests with plain objects: which instance runs, and how progress adds up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from questline.engine.compiler import compile_design
from questline.engine.mechanics_compiler import CompiledQuest
from questline.engine.mechanics_effects import (
    QuestCompleted,
    QuestProgressed,
    apply_mechanic_effect,
)
from questline.engine.periods import local_date, period_keys
from questline.engine.quests import (
    advance,
    completed,
    expires_on,
    instance,
    objective_name,
    progress_of,
)
from questline.engine.state import PlayerState
from questline.yamlfile import load_yaml

MONDAY = datetime(2026, 5, 4, 9, tzinfo=UTC)
DESIGN = compile_design(
    load_yaml("""
currencies: {gems: {}}
metrics:
  tasks: {count: task.done}
  focus: {sum: focus.logged, of: event.minutes}
  runs: {count: run}
quests:
  - id: daily
    objectives: [{metric: tasks, target: 2}]
    rewards: {currencies: {gems: 3}}
  - id: weekly
    period: week
    objectives: [{metric: tasks, target: 10}]
  - id: launch
    period: window
    starts: 2026-05-04T00:00:00Z
    ends: 2026-05-11T00:00:00Z
    objectives: [{metric: tasks, target: 1}]
  - id: sprint
    period: window
    join: true
    duration_days: 2
    objectives: [{metric: tasks, target: 3}, {metric: focus, target: 60}]
    rewards: {currencies: {gems: 10}}
"""),
    1,
)
QUESTS = {quest.id: quest for quest in DESIGN.quests}


def running(
    quest: str, at: datetime, zone: str = "UTC", joined: datetime | None = None
) -> str | None:
    return instance(QUESTS[quest], period_keys(local_date(at, zone)), at, zone, joined)


def test_daily_and_weekly_quests_run_in_the_player_s_own_day_and_week() -> None:
    assert running("daily", MONDAY) == "d:2026-05-04"
    assert running("weekly", MONDAY) == "w:2026-W19"
    # 23:30 on Sunday in New York is already Monday in UTC: the player's day counts.
    sunday_night = datetime(2026, 5, 4, 3, 30, tzinfo=UTC)
    assert running("daily", sunday_night, "America/New_York") == "d:2026-05-03"
    assert running("weekly", sunday_night, "America/New_York") == "w:2026-W18"


def test_a_window_quest_runs_from_its_start_up_to_but_not_at_its_end() -> None:
    start = datetime(2026, 5, 4, tzinfo=UTC)
    assert running("launch", start - timedelta(seconds=1)) is None
    assert running("launch", start) == "all"
    assert running("launch", start + timedelta(days=7) - timedelta(seconds=1)) == "all"
    assert running("launch", start + timedelta(days=7)) is None


def test_a_joined_quest_runs_its_calendar_days_in_the_player_s_zone() -> None:
    # Joined at 23:00 in Tokyo on Monday: Monday counts as the first of the two days.
    joined = datetime(2026, 5, 4, 14, tzinfo=UTC)
    zone = "Asia/Tokyo"
    assert expires_on(QUESTS["sprint"], joined, zone) == date(2026, 5, 5)
    assert running("sprint", joined, zone) is None  # never joined
    assert running("sprint", joined - timedelta(minutes=1), zone, joined) is None
    assert running("sprint", joined, zone, joined) == "all"
    tuesday_late = datetime(2026, 5, 5, 14, 59, tzinfo=UTC)  # 23:59 Tuesday in Tokyo
    assert running("sprint", tuesday_late, zone, joined) == "all"
    assert running("sprint", tuesday_late + timedelta(minutes=1), zone, joined) is None


def record(
    state: PlayerState, quest: CompiledQuest, gained: dict[str, int]
) -> QuestCompleted | None:
    moved = advance(quest, state, "all", gained)
    assert moved is not None
    apply_mechanic_effect(state, moved.progressed)
    if moved.completed is not None:
        apply_mechanic_effect(state, moved.completed)
    return moved.completed


def test_progress_adds_what_the_objectives_metrics_gained_and_completes_once() -> None:
    sprint, state = QUESTS["sprint"], PlayerState("p")
    assert advance(sprint, state, "all", {"runs": 5}) is None  # no objective counts runs

    first = advance(sprint, state, "all", {"tasks": 2, "runs": 1})
    assert first is not None
    assert first.progressed == QuestProgressed("sprint", "all", {"tasks": 2})
    assert first.completed is None
    apply_mechanic_effect(state, first.progressed)

    assert record(state, sprint, {"tasks": 1, "focus": 45}) is None
    assert progress_of(sprint, state, "all") == {"tasks": 3, "focus": 45}
    assert not completed(sprint, state, "all")

    done = record(state, sprint, {"focus": 20})
    assert done == QuestCompleted(
        "sprint",
        "all",
        {"tasks": {"progress": 3, "target": 3}, "focus": {"progress": 65, "target": 60}},
        {"currencies": {"gems": 10}},
    )
    assert completed(sprint, state, "all")
    assert advance(sprint, state, "all", {"tasks": 1}) is None


def test_each_instance_keeps_its_own_progress() -> None:
    daily, state = QUESTS["daily"], PlayerState("p")
    moved = advance(daily, state, "d:2026-05-04", {"tasks": 1})
    assert moved is not None
    apply_mechanic_effect(state, moved.progressed)
    tomorrow = advance(daily, state, "d:2026-05-05", {"tasks": 1})
    assert tomorrow is not None
    assert tomorrow.progressed.progress == {"tasks": 1}
    assert tomorrow.completed is None


def test_an_objective_without_a_name_is_named_by_its_target_and_metric() -> None:
    design = compile_design(
        load_yaml("""
metrics:
  reviews: {count: review.completed, description: cards reviewed}
  practice_days: {active_days: "*"}
quests:
  - id: q
    objectives:
      - {metric: reviews, target: 20}
      - {metric: practice_days, target: 5}
  - id: first
    objectives: [{metric: reviews, target: 1, name: {en: First card, he: כרטיס ראשון}}]
"""),
        1,
    )
    metrics = design.design.metrics
    named = [
        objective_name(o, metrics, "he-IL")
        for quest in design.quests
        for o in quest.spec.objectives
    ]
    assert named == ["20 cards reviewed", "5 practice days", "כרטיס ראשון"]
