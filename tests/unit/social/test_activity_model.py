"""Which effects become public activity, and how an entry reads in each locale."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from questline.engine.compiler import CompiledDesign, DesignError, compile_design
from questline.engine.effects import CurrencyAwarded, Effects, LevelReached
from questline.engine.mechanics_effects import AchievementUnlocked, StreakExtended
from questline.engine.state import StreakState
from questline.social.model import entries_of, may_see, message, reading_locale
from questline.yamlfile import load_yaml

DESIGN = """
modules: [social]
currencies:
  xp: {name: XP, levels: {thresholds: [0, 10]}}
rules:
  - {id: practice, on: did, award: {xp: "1"}}
streaks:
  daily: {name: {en: Daily streak, fr: Série}, when: "true"}
achievements:
  - {id: first, name: {en: First steps, fr: Premiers pas}, when: "currency.xp >= 1"}
"""


def design(extra: str = "") -> CompiledDesign:
    return compile_design(load_yaml(DESIGN + extra), 1)


def streak(current: int) -> StreakExtended:
    state = StreakState(
        current, current, date(2026, 11, 20), date(2026, 11, 1), "UTC", 0, 1, 0, None
    )
    return StreakExtended(
        "daily", date(2026, 11, 20), current, current, date(2026, 11, 1), 0, state
    )


def effects(*items: object) -> Effects:
    return Effects(1, 1, tuple(items))  # type: ignore[arg-type]


def test_levels_badges_and_streak_milestones_are_public_by_default() -> None:
    made = entries_of(
        effects(
            CurrencyAwarded("practice", "xp", 10, 10, 10, None, "", {}),
            LevelReached("xp", 2, 1),
            AchievementUnlocked("first", None, "all", 1, 1, {}, {}),
            streak(6),
            streak(7),
        ),
        design(),
    )
    assert [(e.kind, e.data) for e in made] == [
        ("level_reached", {"currency": "xp", "level": 2, "previous_level": 1}),
        ("achievement_unlocked", {"achievement": "first", "tier": None}),
        ("streak_extended", {"streak": "daily", "current": 7, "longest": 7}),
    ]


def test_a_design_turns_kinds_off_moves_milestones_or_turns_activity_off() -> None:
    some = effects(LevelReached("xp", 2, 1), streak(6))
    quiet = design("activity: {streak_milestones: [6], effects: {level_reached: {public: false}}}")
    assert [e.kind for e in entries_of(some, quiet)] == ["streak_extended"]
    assert entries_of(some, design("activity: {enabled: false}")) == []


def test_an_entry_reads_in_the_readers_locale_with_localized_names() -> None:
    found = design()
    data = {"streak": "daily", "current": 30, "longest": 30}
    assert message("streak_extended", data, "Léa", found, "fr-CA") == (
        "Léa a tenu Série 30 jours d'affilée"
    )
    assert message("streak_extended", data, "Bob", found, "ja") == "Bob kept a 30-day Daily streak"
    badge = {"achievement": "first", "tier": None}
    assert message("achievement_unlocked", badge, "Bo", found, "fr") == "Bo a débloqué Premiers pas"


def test_the_locale_is_the_asked_one_else_the_readers_else_the_designs() -> None:
    found = design("activity: {default_locale: es}")
    assert reading_locale("de", "fr", found) == "de"
    assert reading_locale(None, "fr", found) == "fr"
    assert reading_locale(None, None, found) == "es"


def test_templates_are_checked_at_publish() -> None:
    with pytest.raises(DesignError) as raised:
        design('activity: {effects: {level_reached: {message: "{player} {oops}"}}}')
    assert "unknown field {oops}" in str(raised.value.issues[0].message)


@pytest.mark.parametrize(
    ("private", "is_self", "blocked", "seen"),
    [
        (False, False, False, True),
        (True, False, False, False),
        (False, False, True, False),
        (True, True, False, True),
    ],
)
def test_who_sees_whose_activity(private: bool, is_self: bool, blocked: bool, seen: bool) -> None:
    assert may_see(private=private, is_self=is_self, blocked=blocked) is seen


def test_the_pure_part_of_social_imports_no_io_frameworks() -> None:
    probe = (
        "import sys, questline.social.model;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in"
        " {'sqlalchemy', 'fastapi', 'starlette', 'psycopg', 'redis'});"
        "print(','.join(bad))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == ""
