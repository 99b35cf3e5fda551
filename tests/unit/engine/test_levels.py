"""engine.levels with plain objects: from a lifetime total to a level and back."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from questline.engine.design import LevelCurve
from questline.engine.effects import LevelReached
from questline.engine.levels import (
    CompiledLevelCurve,
    LevelCurveError,
    LevelProgress,
    compile_level_curve,
    level_reached,
)


def curve(**fields: object) -> CompiledLevelCurve:
    return compile_level_curve(LevelCurve.model_validate(fields))


TABLE = curve(thresholds=[0, 100, 300, 600])
SQUARE_ROOT = curve(formula="floor(sqrt(total / 100)) + 1", max_level=50)


def test_a_table_gives_the_last_threshold_reached() -> None:
    assert [TABLE.level_for(total) for total in (0, 99, 100, 299, 300, 10**9)] == [
        1,
        1,
        2,
        2,
        3,
        4,
    ]
    assert [TABLE.threshold(level) for level in (1, 2, 4, 5)] == [0, 100, 600, None]


def test_a_formula_gives_its_level_and_the_totals_that_reach_each() -> None:
    assert [SQUARE_ROOT.level_for(total) for total in (0, 99, 100, 399, 400, 900)] == [
        1,
        1,
        2,
        2,
        3,
        4,
    ]
    assert [SQUARE_ROOT.threshold(level) for level in (1, 2, 3, 4)] == [0, 100, 400, 900]
    # max_level caps the formula: level 50 starts at 240,100; there is no level 51.
    assert SQUARE_ROOT.level_for(10**12) == 50
    assert SQUARE_ROOT.threshold(50) == 240_100
    assert SQUARE_ROOT.threshold(51) is None


def test_progress_says_how_far_into_the_level_and_what_is_left() -> None:
    assert SQUARE_ROOT.progress(250) == LevelProgress(2, 250, 100, 400)
    assert SQUARE_ROOT.progress(250).remaining == 150
    assert SQUARE_ROOT.progress(250).percent == 50.0
    top = TABLE.progress(1000)
    assert (top.level, top.next_level_at, top.remaining, top.percent) == (4, None, None, 100.0)


@given(st.integers(0, 10**7))
def test_a_formula_s_level_and_thresholds_agree_for_every_total(total: int) -> None:
    fresh = curve(formula="floor(sqrt(total / 100)) + 1", max_level=50)
    level = fresh.level_for(total)
    started = fresh.threshold(level)
    following = fresh.threshold(level + 1)
    assert started is not None
    assert started <= total
    assert following is None or total < following


def test_a_level_is_reached_only_by_crossing_into_it() -> None:
    assert level_reached(TABLE, "xp", 90, 310) == LevelReached("xp", 3, 1)
    assert level_reached(TABLE, "xp", 100, 299) is None  # still level 2
    assert level_reached(TABLE, "xp", 310, 90) is None  # the total never goes down
    assert level_reached(None, "gems", 0, 10**6) is None  # a currency without levels


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("100 - total", "levels must not go down as the total grows (at total 1)"),
        ("total / (total - 10)", "at total 10: division by zero"),
        ("total >", "invalid syntax"),
    ],
)
def test_a_curve_that_cannot_serve_every_total_is_refused_at_publish(
    formula: str, message: str
) -> None:
    with pytest.raises(LevelCurveError, match=re.escape(message)) as refused:
        curve(formula=formula)
    assert refused.value.loc == ("formula",)
