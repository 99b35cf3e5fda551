"""The player pages' pure parts: the language a page speaks, the time left as a person
reads it, and which pages an app's design calls for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from questline.engine.compiler import compile_design
from questline.web.fragments import bar, icon
from questline.web.model import (
    MESSAGES,
    Features,
    Translator,
    navigation,
    pick_locale,
    time_left,
)

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("wanted", "spoken"),
    [
        (("he", "en"), "he"),
        ((None, "he-IL"), "he"),
        ((None, None, "fr-CH,fr;q=0.9,he;q=0.8"), "he"),
        (("xx", None, "de"), "en"),
        ((None, None, None), "en"),
        (("EN_gb",), "en"),
    ],
)
def test_a_page_speaks_the_first_language_it_knows(
    wanted: tuple[str | None, ...], spoken: str
) -> None:
    assert pick_locale(*wanted) == spoken


def test_every_language_says_everything_english_says() -> None:
    english = set(MESSAGES["en"])
    for locale, messages in MESSAGES.items():
        assert set(messages) == english, locale


def test_hebrew_reads_right_to_left_and_english_left_to_right() -> None:
    assert Translator("he").direction == "rtl"
    assert Translator("en").direction == "ltr"
    assert Translator("he")("nav.badges") == "תגים"


def test_a_missing_value_stays_visible_rather_than_vanishing() -> None:
    assert Translator("en")("level", level=3) == "Level 3"
    assert Translator("en")("level") == "Level {level}"


@pytest.mark.parametrize("locale", sorted(MESSAGES))
def test_a_label_reads_the_same_looked_up_as_called(locale: str) -> None:
    t = Translator(locale)
    for key in MESSAGES["en"]:
        assert t.words[key] == t(key), key
    assert t.words["no.such.label"] == t("no.such.label") == "no.such.label"


def test_icons_and_bars_escape_what_they_are_given() -> None:
    assert 'aria-hidden="true"' in icon("flame")
    labelled = icon("star", 'Ada <script>"')
    assert 'role="img" aria-label="Ada &lt;script&gt;&#34;"' in labelled
    shown = bar(66.5, "Level 3 <b>", "gold")
    assert shown == (
        '<progress class="bar bar--gold" max="100" value="66.5"'
        ' aria-label="Level 3 &lt;b&gt;">66%</progress>'
    )


@pytest.mark.parametrize(
    ("left", "shown"),
    [
        (timedelta(days=2, hours=5, minutes=9), "2 d 5 h"),
        (timedelta(hours=3, minutes=10), "3 h 10 min"),
        (timedelta(minutes=12, seconds=30), "12 min"),
        (timedelta(seconds=20), "1 min"),
        (timedelta(seconds=-5), "ended"),
    ],
)
def test_time_left_reads_as_a_person_says_it(left: timedelta, shown: str) -> None:
    assert time_left(Translator("en"), NOW + left, NOW) == shown


@given(st.integers(min_value=1, max_value=400 * 86400))
def test_time_left_never_reads_as_ended_before_the_end(seconds: int) -> None:
    assert time_left(Translator("en"), NOW + timedelta(seconds=seconds), NOW) != "ended"


def test_pages_appear_only_for_what_the_design_uses() -> None:
    bare = compile_design({"currencies": {"xp": {}}}, 1)
    assert [p.name for p in navigation(Features.of(bare))] == ["dashboard"]
    shop = compile_design({"currencies": {"gems": {"spendable": True}}}, 1)
    assert [p.name for p in navigation(Features.of(shop))] == ["dashboard", "wallet"]
