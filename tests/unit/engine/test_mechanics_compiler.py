"""engine.mechanics_compiler with plain objects: achievements, streaks, scores and quests
compiled against the names a player's state offers, every mistake found with its place."""

from __future__ import annotations

from typing import Any

from questline.engine.design import GameDesign
from questline.engine.expressions import (
    CompiledExpression,
    ExpressionError,
    ExpressionType,
    Scope,
    compile_expression,
)
from questline.engine.mechanics_compiler import (
    ACHIEVEMENT_METRIC,
    Location,
    compile_achievements,
    compile_quests,
    compile_scores,
    compile_streaks,
    input_roots,
    state_scope,
)
from questline.yamlfile import load_yaml


class Issues:
    """A collector that keeps what it is told, as the design compiler's does."""

    def __init__(self) -> None:
        self.found: list[tuple[Location, str]] = []

    def expression(
        self, source: str, scope: Scope, expect: ExpressionType, loc: Location
    ) -> CompiledExpression | None:
        try:
            return compile_expression(source, scope, expect)
        except ExpressionError as error:
            self.found.append((loc, error.message))
            return None

    def issue(self, loc: Location, message: str) -> None:
        self.found.append((loc, message))


def design(text: str) -> GameDesign:
    document: Any = load_yaml(text)
    return GameDesign.model_validate(document)


BASE = """
currencies: {xp: {levels: {thresholds: [0, 100]}}, gems: {}}
metrics: {tasks: {count: task.done}}
streaks: {daily: {when: "metric.tasks.today >= 1", freezes: {max: 2}}, plain: {when: "true"}}
"""


def test_expressions_about_a_player_read_balances_levels_metrics_and_streaks() -> None:
    names = state_scope(design(BASE)).names
    assert set(names) == {
        "currency.xp",
        "level.xp",  # xp has levels; gems has none
        "currency.gems",
        "metric.tasks",
        "metric.tasks.today",
        "metric.tasks.week",
        "metric.tasks.all",
        "streak.daily",
        "streak.daily.longest",
        "streak.plain",
        "streak.plain.longest",
    }
    assert set(names.values()) == {ExpressionType.NUMBER}


def test_an_achievement_is_rechecked_only_for_the_roots_it_reads() -> None:
    found = Issues()
    achievements, hidden = compile_achievements(
        design(
            BASE
            + """
achievements:
  - {id: leveled, when: "level.xp >= 2 and streak.daily.longest > 3"}
  - {id: busy, progress: metric.tasks.week, target: 5}
  - {id: long-ones, count: {on: task.done, where: "event.minutes >= 50"}, target: 3}
  - {id: both, all_of: [leveled, busy]}
"""
        ),
        found,
    )
    assert found.found == []
    inputs = {a.id: a.inputs for a in achievements}
    assert inputs == {
        "leveled": {"currency.xp", "streak.daily"},  # a level follows its currency
        "busy": {"metric.tasks"},
        "long-ones": {f"metric.{ACHIEVEMENT_METRIC}long-ones"},
        "both": {"achievement.leveled", "achievement.busy"},
    }
    # A filtered count keeps its own hidden metric: (index, event type, filter).
    assert hidden == {f"{ACHIEVEMENT_METRIC}long-ones": (2, "task.done", "event.minutes >= 50")}
    both = next(a for a in achievements if a.id == "both")
    assert (both.members, both.needed) == (("leveled", "busy"), 2)
    # An achievement without tiers is one tier named "" with its target.
    assert [(t.name, t.target) for t in achievements[1].tiers] == [("", 5)]
    assert [(t.name, t.target) for t in both.tiers] == [("", 2)]


def test_mistakes_in_achievements_are_each_found_with_their_place() -> None:
    found = Issues()
    compile_achievements(
        design(
            BASE
            + """
achievements:
  - {id: a, when: "metric.nope > 1"}
  - {id: b, any_of: [c, ghost]}
  - {id: c, all_of: [b]}
  - {id: d, n_of: {n: 1, of: [d]}, rewards: {currencies: {coins: 1}, streak_freezes: {plain: 1}}}
  - {id: a, when: "true"}
"""
        ),
        found,
    )
    places = dict(found.found)
    assert places[("achievements", 0, "when")].startswith("unknown name 'metric.nope'")
    assert places[("achievements", 1, "any_of", 1)] == "unknown achievement 'ghost'"
    assert places[("achievements", 3, "n_of", "of", 0)] == "an achievement cannot require itself"
    assert places[("achievements", 3, "rewards", "currencies", "coins")] == (
        "unknown currency 'coins'"
    )
    assert places[("achievements", 3, "rewards", "streak_freezes", "plain")] == (
        "streak 'plain' has no freezes"
    )
    assert places[("achievements",)] == "achievement id 'a' is used twice"
    assert places[("achievements", 1)] == "achievements require each other in a loop"
    assert places[("achievements", 2)] == "achievements require each other in a loop"


def test_streaks_and_scores_need_conditions_and_formulas_of_the_right_type() -> None:
    found = Issues()
    spec = design(
        BASE
        + """
scores:
  good: {formula: "metric.tasks - 2 * metric.tasks.today"}
  bad: {formula: "metric.tasks > 2"}
"""
    )
    scores = compile_scores(spec, found)
    assert list(scores) == ["good"]
    assert scores["good"].inputs == {"metric.tasks"}
    assert [loc for loc, _ in found.found] == [("scores", "bad", "formula")]

    streaks = compile_streaks(design(BASE.replace('"true"', '"currency.gems"')), Issues())
    assert [s.key for s in streaks] == ["daily"]  # `plain` is a number, not a condition


def test_quests_name_declared_metrics_and_fit_the_store() -> None:
    found = Issues()
    long_id, long_metric = "q" * 60, "m" * 60
    metrics = f"metrics: {{tasks: {{count: task.done}}, {long_metric}: {{count: x}}}}"
    quests = compile_quests(
        design(
            BASE.replace("metrics: {tasks: {count: task.done}}", metrics)
            + f"""
quests:
  - {{id: fine, objectives: [{{metric: tasks, target: 1}}]}}
  - {{id: fine, objectives: [{{metric: runs, target: 1}}], rewards: {{currencies: {{coins: 1}}}}}}
  - {{id: {long_id}, objectives: [{{metric: {long_metric}, target: 1}}]}}
"""
        ),
        found,
    )
    assert [q.id for q in quests] == ["fine", "fine", long_id]
    assert found.found == [
        (("quests", 0, "id"), "quest id 'fine' is used twice"),
        (("quests", 1, "id"), "quest id 'fine' is used twice"),
        (("quests", 1, "objectives", 0, "metric"), "unknown metric 'runs'"),
        (("quests", 1, "rewards", "currencies", "coins"), "unknown currency 'coins'"),
        (
            ("quests", 2, "objectives", 0, "metric"),
            "the quest id and the metric key are 120 characters together; at most 113",
        ),
    ]


def test_input_roots_name_what_an_expression_depends_on() -> None:
    scope = state_scope(design(BASE))
    formula = compile_expression(
        "metric.tasks.week + level.xp + streak.daily.longest + currency.gems",
        scope,
        ExpressionType.NUMBER,
    )
    assert input_roots(formula) == {"metric.tasks", "currency.xp", "streak.daily", "currency.gems"}
