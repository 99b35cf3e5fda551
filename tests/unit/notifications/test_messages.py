"""What a player is told: templates, defaults for every effect kind, locales, reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from questline.engine.compiler import CompiledDesign, compile_design
from questline.engine.effects import (
    CurrencyAwarded,
    Effects,
    LevelReached,
    MetricIncremented,
    RuleFired,
    RuleSkipped,
)
from questline.engine.mechanics_effects import (
    AchievementProgressed,
    AchievementUnlocked,
    QuestCompleted,
    QuestProgressed,
    ScoreChanged,
    ScoreTierChanged,
    StreakBroken,
    StreakExtended,
    StreakFreezesGranted,
    StreakFrozen,
)
from questline.engine.notifications import (
    COMMON_FIELDS,
    FIELDS,
    STREAK_AT_RISK,
    Placeholder,
    TemplateError,
    parse_template,
)
from questline.engine.state import StreakState
from questline.notifications.defaults import DEFAULTS
from questline.notifications.model import (
    Recipient,
    fields_of,
    message_for,
    messages_for,
    streak_reminder,
)
from questline.yamlfile import load_yaml

DESIGN = """
currencies:
  xp: {name: XP, levels: {thresholds: [0, 100]}}
rules:
  - {id: practice, name: Practice, on: did, award: {xp: "1"}}
achievements:
  - {id: first, name: {en: First steps, de: Erste Schritte}, when: "currency.xp >= 1"}
streaks:
  daily: {name: {en: Daily practice, fr: Pratique quotidienne}, when: "true"}
quests:
  - {id: q, name: Weekly goal, period: week, objectives: [{metric: m, target: 1}]}
metrics:
  m: {count: did}
scores:
  rep: {name: Reputation, formula: "1", tiers: [{name: gold, min: 1}, {name: red}]}
"""
_STREAK = StreakState(1, 1, date(2026, 11, 20), date(2026, 11, 20), "UTC", 0, 1, 0, None)

SAMPLES = [
    CurrencyAwarded("practice", "xp", 5, 5, 5, None, "", {}),
    LevelReached("xp", 2, 1),
    AchievementUnlocked("first", None, "all", 1, 1, {}, {}),
    AchievementProgressed("first", None, 0, 1, 2),
    StreakExtended("daily", date(2026, 11, 20), 3, 4, date(2026, 11, 18), 0, _STREAK),
    StreakFrozen("daily", date(2026, 11, 19), 1),
    StreakBroken("daily", 5, date(2026, 11, 15), 2),
    StreakFreezesGranted("daily", 1, 2, "reward", _STREAK),
    QuestProgressed("q", "2026-W47", {"m": 1}),
    QuestCompleted("q", "2026-W47", {"m": {"progress": 1, "target": 1}}, {}),
    ScoreTierChanged("rep", "gold", "red", 1, 0, {}),
    ScoreChanged("rep", 1, 0),
    MetricIncremented("m", 1, {"all": 1}),
    RuleFired("practice", None, {}),
    RuleSkipped("practice", "daily cap reached"),
]
ZOE = Recipient(1, 1, "zoe", "Zoe", None)


def design(extra: str = "") -> CompiledDesign:
    return compile_design(load_yaml(DESIGN + extra), 1)


def test_every_effect_kind_has_a_sample_here() -> None:
    assert {effect.kind for effect in SAMPLES} == set(FIELDS) - {STREAK_AT_RISK}


@pytest.mark.parametrize("effect", SAMPLES, ids=lambda e: e.kind)
def test_each_kind_fills_exactly_the_fields_its_templates_may_name(effect: object) -> None:
    assert set(fields_of(effect, design(), "en")) == FIELDS[effect.kind]  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_every_default_template_names_only_its_kinds_fields(kind: str) -> None:
    default = DEFAULTS[kind]
    for template in [*default.title.values(), *default.body.values()]:
        assert template.names <= FIELDS[kind] | COMMON_FIELDS
    assert "en" in default.title


def test_defaults_tell_what_players_want_and_spare_them_the_bookkeeping() -> None:
    told = {e.kind for e in SAMPLES if message_for(e, design(), ZOE) is not None}
    assert told == {
        "currency_awarded",
        "level_reached",
        "achievement_unlocked",
        "streak_extended",
        "streak_frozen",
        "streak_broken",
        "streak_freezes_granted",
        "quest_completed",
        "score_tier_changed",
    }


def test_default_messages_read_well() -> None:
    made = messages_for(Effects(1, 1, tuple(SAMPLES)), design(), ZOE)
    assert [(m.title, m.body, m.push) for m in made] == [
        ("+5 XP", "Practice", False),
        ("Level 2!", "You reached level 2 in XP.", True),
        ("Badge unlocked: First steps", "", True),
        ("Daily practice: 3 in a row!", "Your longest: 4.", False),
        ("A freeze saved your Daily practice streak", "Freezes left: 1.", True),
        (
            "Your Daily practice streak ended",
            "It reached 5 in a row. A new one starts today.",
            True,
        ),
        ("+1 freeze for Daily practice", "You hold 2.", False),
        ("Quest complete: Weekly goal", "", True),
        ("Reputation: gold", "Before: red.", True),
    ]


def test_a_locale_falls_back_to_its_language_then_english() -> None:
    german = Recipient(1, 1, "max", None, "de-AT")
    assert message_for(SAMPLES[2], design(), german).title == (  # type: ignore[union-attr]
        "Abzeichen freigeschaltet: Erste Schritte"
    )
    japanese = Recipient(1, 1, "ken", None, "ja")
    assert message_for(SAMPLES[1], design(), japanese).title == "Level 2!"  # type: ignore[union-attr]


def test_one_text_of_the_design_serves_every_locale_and_beats_the_defaults() -> None:
    compiled = design("notifications: {effects: {level_reached: {title: 'Lvl {level}'}}}\n")
    french = Recipient(1, 1, "léa", None, "fr")
    assert message_for(SAMPLES[1], compiled, french).title == "Lvl 2"  # type: ignore[union-attr]


def test_a_designs_texts_by_locale_fall_back_to_the_defaults_in_other_locales() -> None:
    compiled = design("notifications: {effects: {level_reached: {title: {fr: 'Niv. {level}'}}}}\n")
    french = Recipient(1, 1, "léa", None, "fr")
    german = Recipient(1, 1, "max", None, "de")
    assert message_for(SAMPLES[1], compiled, french).title == "Niv. 2"  # type: ignore[union-attr]
    assert message_for(SAMPLES[1], compiled, german).title == "Stufe 2!"  # type: ignore[union-attr]


def test_an_award_of_nothing_or_a_streak_just_begun_says_nothing_and_a_loss_says_so() -> None:
    nothing = CurrencyAwarded("practice", "xp", 0, 5, 5, None, "", {})
    loss = CurrencyAwarded("practice", "xp", -3, 2, 5, None, "", {})
    begun = StreakExtended("daily", date(2026, 11, 20), 1, 4, date(2026, 11, 20), 0, _STREAK)
    assert message_for(nothing, design(), ZOE) is None
    assert message_for(begun, design(), ZOE) is None
    assert message_for(loss, design(), ZOE).title == "-3 XP"  # type: ignore[union-attr]


def test_a_reward_names_what_earned_it() -> None:
    reward = CurrencyAwarded("achievement:first", "xp", 10, 10, 10, None, "", {}, "achievement")
    assert fields_of(reward, design(), "de")["rule_name"] == "Erste Schritte"


_names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
_parts = st.lists(st.one_of(st.text(max_size=8), _names.map(lambda n: ("field", n))), max_size=8)


@given(_parts)
def test_a_template_renders_its_text_with_each_field_in_place(parts: list[object]) -> None:
    source, expected = "", ""
    for part in parts:
        if isinstance(part, tuple):
            source += "{" + part[1] + "}"
            expected += f"<{part[1]}>"
        else:
            assert isinstance(part, str)
            source += part.replace("{", "{{").replace("}", "}}")
            expected += part
    template = parse_template(source)
    assert template.render({name: f"<{name}>" for name in template.names}) == expected


def test_templates_cannot_reach_into_values() -> None:
    for text in ("{level.__class__}", "{level[0]}", "{level!r}", "{level:>10}", "{}"):
        with pytest.raises(TemplateError):
            parse_template(text)
    assert parse_template("{{level}} {level}").parts == ("{level} ", Placeholder("level"))


def at(zone: str, y: int, m: int, d: int, hh: int) -> datetime:
    return datetime(y, m, d, hh, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def test_a_streak_at_risk_is_reminded_from_the_hour_on_its_last_local_day_once() -> None:
    compiled = design()
    streak = compiled.streaks[0]
    # Extended on the 20th; the 21st is the day it must be extended again.
    held = StreakState(4, 4, date(2026, 11, 17), date(2026, 11, 20), "Asia/Tokyo", 0, 4, 0, None)
    zone = "Asia/Tokyo"
    assert streak_reminder(streak, held, compiled, ZOE, zone, at(zone, 2026, 11, 21, 19)) is None
    due = streak_reminder(streak, held, compiled, ZOE, zone, at(zone, 2026, 11, 21, 20))
    assert due is not None
    assert due.title == "Your Daily practice streak ends at 00:00"
    assert due.body == "Keep your 4 in a row going today."
    assert due.dedupe_key == "streak_at_risk:daily:2026-11-22"
    later = streak_reminder(streak, held, compiled, ZOE, zone, at(zone, 2026, 11, 21, 23))
    assert later is not None
    assert later.dedupe_key == due.dedupe_key
    # Done today: nothing to remind; already broken: nothing to save.
    done = StreakState(5, 5, date(2026, 11, 17), date(2026, 11, 21), zone, 0, 5, 0, None)
    assert streak_reminder(streak, done, compiled, ZOE, zone, at(zone, 2026, 11, 21, 21)) is None
    assert streak_reminder(streak, held, compiled, ZOE, zone, at(zone, 2026, 11, 23, 21)) is None


def test_a_freeze_that_would_save_the_streak_means_no_reminder() -> None:
    compiled = design()
    held = StreakState(4, 4, date(2026, 11, 17), date(2026, 11, 20), "UTC", 1, 4, 0, None)
    assert (
        streak_reminder(
            compiled.streaks[0], held, compiled, ZOE, "UTC", at("UTC", 2026, 11, 21, 22)
        )
        is None
    )


def test_the_design_sets_the_reminders_hour_and_words() -> None:
    compiled = design(
        "notifications: {reminders: {streak_at_risk:"
        " {hour: 9, title: {fr: 'Vite, {streak_name} !'}}}}\n"
    )
    held = StreakState(4, 4, date(2026, 11, 17), date(2026, 11, 20), "UTC", 0, 4, 0, None)
    french = Recipient(1, 1, "léa", None, "fr")
    due = streak_reminder(
        compiled.streaks[0], held, compiled, french, "UTC", at("UTC", 2026, 11, 21, 9)
    )
    assert due is not None
    assert due.title == "Vite, Pratique quotidienne !"
    off = design("notifications: {reminders: {streak_at_risk: {enabled: false}}}\n")
    assert (
        streak_reminder(off.streaks[0], held, off, french, "UTC", at("UTC", 2026, 11, 21, 22))
        is None
    )
