"""An app's brand colour on the player pages: whatever colour a designer picks, each
theme gets one that text can be read in, as close to the chosen one as that allows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from questline.branding import DARK, LIGHT, Brand, accent_for, contrast, stylesheet

colours = st.integers(0, 0xFFFFFF).map(lambda n: f"#{n:06x}")


@given(colours)
def test_any_brand_colour_reads_as_text_in_both_themes(colour: str) -> None:
    for theme in (LIGHT, DARK):
        accent = accent_for(colour, theme)
        for background in theme.backgrounds:
            assert contrast(accent.accent, background) >= 4.5
        assert contrast(accent.accent_text, accent.accent) >= 4.5
        for text in (theme.text, *theme.others):
            assert contrast(text, accent.accent_soft) >= 4.5


def test_a_colour_that_reads_already_is_kept_as_it_is() -> None:
    assert accent_for("#0f766e", LIGHT).accent == "#0f766e"
    assert accent_for("#ffd43b", DARK).accent == "#ffd43b"


def test_a_light_colour_is_darkened_for_the_light_theme_and_a_dark_one_lightened() -> None:
    yellow = accent_for("#ffd43b", LIGHT).accent
    navy = accent_for("#1e1b4b", DARK).accent
    assert yellow != "#ffd43b"
    assert contrast(yellow, "#ffffff") >= 4.5
    assert navy != "#1e1b4b"
    assert contrast(navy, "#181d25") >= 4.5


def test_white_and_black_are_worked_out_by_contrast() -> None:
    assert contrast("#000000", "#ffffff") == 21
    assert contrast("#777777", "#777777") == 1


def test_without_a_colour_the_pages_keep_questlines_own() -> None:
    assert stylesheet(Brand(name="Lingo")) == ""
    css = stylesheet(Brand(color="#0f766e"))
    assert "--ql-accent: #0f766e;" in css
    assert ':root[data-theme="dark"]' in css
