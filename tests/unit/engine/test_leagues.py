"""League weeks and settling a group: pure functions, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from questline.engine.compiler import DesignError, compile_design
from questline.engine.leagues import League, Member, league_week, settle_group, week_named


def _league(**fields: Any) -> League:
    return League.model_validate({"rank_by": "currency.xp", **fields})


def test_the_default_league_has_ten_tiers_from_bronze_to_diamond_in_groups_of_30() -> None:
    league = _league()
    names = [t.name for t in league.tiers]
    assert (names[0], names[-1], len(names)) == ("bronze", "diamond", 10)
    assert (league.tiers[0].demote, league.tiers[-1].promote) == (0, 0)
    assert league.group_size == 30


def test_the_week_turns_over_at_the_configured_local_time() -> None:
    league = _league(time_zone="Europe/Berlin", week_starts="sunday", rollover_at="18:00")
    # Sunday 22 November 2026, 18:00 in Berlin is 17:00 UTC.
    before = league_week(league, datetime(2026, 11, 22, 16, 59, tzinfo=UTC))
    after = league_week(league, datetime(2026, 11, 22, 17, 0, tzinfo=UTC))
    assert (before.key, after.key) == ("2026-11-15", "2026-11-22")
    assert before.ends_at == after.starts_at == datetime(2026, 11, 22, 17, 0, tzinfo=UTC)
    assert week_named(league, "2026-11-22") == after
    assert week_named(league, "2026-11-23") is None


@given(st.datetimes(min_value=datetime(2000, 1, 1), timezones=st.just(UTC)))
def test_every_instant_is_in_exactly_its_week(at: datetime) -> None:
    league = _league(time_zone="America/New_York", rollover_at="03:30")
    week = league_week(league, at)
    assert week.starts_at <= at < week.ends_at


def _members(*scores: int) -> list[Member]:
    return [Member(f"p{i}", score, i) for i, score in enumerate(scores)]


def test_the_top_go_up_the_bottom_go_down_and_ties_go_to_who_got_there_first() -> None:
    league = _league(tiers=[{"name": "a", "demote": 0}, {"name": "b", "promote": 2, "demote": 2},
                            {"name": "c", "promote": 0}])  # fmt: skip
    outcomes = settle_group(league, 1, "2026-11-16", 7, _members(50, 90, 50, 10, 30, 70))
    assert [(o.player, o.rank, o.kind, o.to_tier) for o in outcomes] == [
        ("p1", 1, "league_promoted", "c"),
        ("p5", 2, "league_promoted", "c"),
        ("p0", 3, "league_stayed", "b"),  # 50, reached first
        ("p2", 4, "league_stayed", "b"),
        ("p4", 5, "league_demoted", "a"),
        ("p3", 6, "league_demoted", "a"),
    ]


def test_the_top_tier_promotes_no_one_the_bottom_demotes_no_one_and_zero_earns_nothing() -> None:
    league = _league(
        tiers=[{"name": "a", "promote": 1, "demote": 0}, {"name": "b", "promote": 0, "demote": 1}]
    )
    top = settle_group(league, 1, "w", 1, _members(5, 3))
    assert [o.kind for o in top] == ["league_stayed", "league_demoted"]
    bottom = settle_group(league, 0, "w", 1, _members(0, 0))
    assert [o.kind for o in bottom] == ["league_stayed", "league_stayed"]


@pytest.mark.parametrize(
    ("league", "message"),
    [
        ({"tiers": [{"name": "a", "demote": 0}, {"name": "b", "promote": 3}]}, "top tier"),
        ({"tiers": [{"name": "a", "demote": 2}, {"name": "b", "promote": 0}]}, "bottom tier"),
        ({"tiers": [{"name": "a", "demote": 0}, {"name": "a", "promote": 0}]}, "unique"),
        ({"group_size": 5}, "more players than a group holds"),
        ({"rank_by": "currency.gems"}, "unknown currency 'gems'"),
        ({"time_zone": "Nowhere/Land"}, "unknown time zone"),
    ],
)
def test_a_bad_league_is_refused_at_publish(league: dict[str, Any], message: str) -> None:
    with pytest.raises(DesignError) as raised:
        compile_design({"currencies": {"xp": {}}, "leagues": {"rank_by": "currency.xp", **league}})
    assert any(message in issue.message for issue in raised.value.issues), raised.value.issues
    assert all(issue.loc[0] == "leagues" for issue in raised.value.issues)
