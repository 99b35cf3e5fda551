"""The diff of two game designs, by section and key, and as text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from questline.engine.design_diff import (
    ADDED,
    CHANGED,
    REMOVED,
    REORDERED,
    Change,
    canonical_yaml,
    diff_designs,
)

BEFORE: dict[str, Any] = {
    "name": "SkillQuest",
    "currencies": {"xp": {"daily_cap": 100}},
    "rules": [
        {"id": "attempt-xp", "on": "attempt.submitted", "award": {"xp": "item.xp"}},
        {"id": "login", "on": "login", "award": {"xp": 1}},
    ],
    "achievements": [{"id": "thousand-club", "when": "currency.xp >= 1000"}],
}


def described(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [change.describe() for change in diff_designs(before, after).changes]


def test_a_changed_award_is_named_by_rule_and_key() -> None:
    after = {
        **BEFORE,
        "rules": [{**BEFORE["rules"][0], "award": {"xp": "item.xp * 2"}}, BEFORE["rules"][1]],
    }
    assert described(BEFORE, after) == [
        "rules 'attempt-xp': award.xp changed from 'item.xp' to 'item.xp * 2'"
    ]


def test_added_and_removed_entries_and_sections_are_named() -> None:
    after = {
        **BEFORE,
        "achievements": [{"id": "ten-passes", "when": "metric.passed >= 10"}],
        "metrics": {"passed": {"count": "attempt.submitted"}},
    }
    del after["name"]
    assert described(BEFORE, after) == [
        "name removed",
        "achievements 'thousand-club' removed",
        "achievements 'ten-passes' added",
        "metrics added",
    ]


def test_a_new_key_inside_an_entry_is_an_addition_there() -> None:
    after = {**BEFORE, "currencies": {"xp": {"daily_cap": 100, "max": 5000}}}
    [change] = diff_designs(BEFORE, after).changes
    assert change == Change("currencies", "xp", ADDED, ("max",), None, 5000)


def test_rules_moved_without_change_are_reported_as_a_new_order() -> None:
    after = {**BEFORE, "rules": list(reversed(BEFORE["rules"]))}
    [change] = diff_designs(BEFORE, after).changes
    assert change.change == REORDERED
    assert (change.before, change.after) == (["attempt-xp", "login"], ["login", "attempt-xp"])


def test_true_is_not_one_even_though_python_says_so() -> None:
    assert described({"x": {"a": [1]}}, {"x": {"a": [True]}}) == [
        "x 'a': changed from [1] to [True]"
    ]


def test_the_text_is_a_unified_diff_of_the_canonical_yaml() -> None:
    after = {**BEFORE, "currencies": {"xp": {"daily_cap": 150}}}
    text = diff_designs(BEFORE, after, before_name="version 1", after_name="draft").text
    assert text.startswith("--- version 1\n+++ draft\n")
    assert "-    daily_cap: 100\n+    daily_cap: 150\n" in text


# Documents from small alphabets, so that two drawn at random share much and differ some.
scalars = st.one_of(
    st.booleans(), st.integers(-2, 2), st.sampled_from([0.5, 1.0]), st.sampled_from("ab")
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=2)
        | st.dictionaries(st.sampled_from(["k", "m", "n"]), inner, max_size=2)
    ),
    max_leaves=6,
)
entries = st.dictionaries(st.sampled_from(["x", "y", "z"]), values, max_size=3)
rule_lists = st.lists(
    st.builds(lambda id_, rest: {"id": id_, **rest}, st.sampled_from(["r1", "r2", "r3"]), entries),
    max_size=3,
    unique_by=lambda rule: rule["id"],
)
designs = st.fixed_dictionaries(
    {},
    optional={
        "name": scalars,
        "currencies": st.dictionaries(st.sampled_from(["xp", "gems"]), entries, max_size=2),
        "rules": rule_lists,
        "achievements": rule_lists,
    },
)


@given(designs)
def test_a_design_has_no_difference_from_itself(design: dict[str, Any]) -> None:
    found = diff_designs(design, design)
    assert found.empty
    assert found.text == ""


@given(designs, designs)
def test_there_are_changes_exactly_when_the_documents_differ(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    found = diff_designs(before, after)
    differ = canonical_yaml(before) != canonical_yaml(after)
    assert (not found.empty) == differ
    assert (found.text != "") == differ


def located(document: Mapping[str, Any], change: Change) -> Any:
    held: Any = document[change.section]
    if change.key is not None:
        held = (
            {e["id"]: e for e in held}[change.key] if isinstance(held, list) else held[change.key]
        )
    for step in change.path:
        held = held[step]
    return held


@given(designs, designs)
def test_each_change_says_what_is_at_its_place_before_and_after(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    for change in diff_designs(before, after).changes:
        if change.change in (CHANGED, REMOVED):
            assert located(before, change) == change.before
        if change.change in (CHANGED, ADDED):
            assert located(after, change) == change.after
