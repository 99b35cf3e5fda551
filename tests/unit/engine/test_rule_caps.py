"""A rule's own cap (`limit.max`) and a rule exempt from its currency's daily cap: both
counted in the player's own days, both shown in the award's explanation."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questline.engine.compiler import CompiledDesign, DesignError, compile_design
from questline.engine.effects import CurrencyAwarded, Effects
from questline.engine.periods import local_date
from questline.engine.process import step
from questline.engine.state import Event, PlayerState
from questline.yamlfile import load_yaml

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

# Stack Overflow-style: votes earn at most 200 a day in all, suggested edits at most 30 a
# day of their own, accepted answers always count.
REPUTATION = """
currencies:
  reputation: {min: 1, daily_cap: 200}
rules:
  - {id: upvoted, on: voted, award: {reputation: "event.n"}}
  - id: edit-approved
    on: edited
    award: {reputation: "event.n"}
    limit: {max: 30, per: day}
  - id: accepted
    on: accepted
    award: {reputation: "event.n"}
    exempt_from_daily_cap: true
"""


def _design(text: str = REPUTATION) -> CompiledDesign:
    return compile_design(load_yaml(text), 1)


def _run(
    design: CompiledDesign, events: list[tuple[str, int, datetime, str]]
) -> tuple[list[Effects], PlayerState]:
    """The events, in order, through `design`, for one new player."""
    state = PlayerState("p")
    done = []
    for seq, (type_, n, at, zone) in enumerate(events, start=1):
        effects, state = step(state, Event(seq, type_, at, zone, {"n": Decimal(n)}), design)
        done.append(effects)
    return done, state


def _award(effects: Effects) -> CurrencyAwarded:
    [award] = effects.of_kind(CurrencyAwarded)
    return award


def test_a_rule_cap_cuts_an_award_to_what_is_left_of_its_max_and_says_so() -> None:
    done, _ = _run(
        _design(),
        [("edited", 20, NOON, "UTC"), ("edited", 20, NOON + timedelta(hours=1), "UTC")],
    )
    capped = _award(done[1])
    assert capped.amount == 10
    assert capped.breakdown["steps"] == [
        {"step": "rule_cap", "max": 30, "per": "day", "earned": 20, "result": 10}
    ]
    assert capped.explanation == (
        "edit-approved: event.n with event.n = 20 gives 20;"
        " rule cap 30 a day (20 earned today) → 10: +10 reputation"
    )


def test_a_rule_cap_counts_in_the_players_own_day() -> None:
    # 23:30 and 00:30 in Tokyo are two days there, though the same UTC day.
    tokyo_late = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)
    done, _ = _run(
        _design(),
        [
            ("edited", 30, tokyo_late, "Asia/Tokyo"),
            ("edited", 30, tokyo_late + timedelta(minutes=20), "Asia/Tokyo"),
            ("edited", 30, tokyo_late + timedelta(hours=1), "Asia/Tokyo"),
        ],
    )
    assert [_award(effects).amount for effects in done] == [30, 0, 30]


def test_a_rule_exempt_from_the_daily_cap_is_neither_cut_by_it_nor_counted_toward_it() -> None:
    hours = [NOON + timedelta(hours=h) for h in range(4)]
    done, state = _run(
        _design(),
        [
            ("voted", 190, hours[0], "UTC"),
            ("accepted", 15, hours[1], "UTC"),  # over 200 today: still all of it
            ("voted", 50, hours[2], "UTC"),  # 10 left of the cap: the accept took none
            ("accepted", 15, hours[3], "UTC"),
        ],
    )
    assert [_award(effects).amount for effects in done] == [190, 15, 10, 15]
    assert _award(done[1]).breakdown["steps"] == []
    capped = _award(done[2])
    assert capped.breakdown["steps"] == [
        {"step": "daily_cap", "cap": 200, "earned_today": 190, "result": 10}
    ]
    assert "daily cap 200 (190 earned today) → 10" in capped.explanation
    assert state.balance("reputation").balance == 1 + 190 + 15 + 10 + 15


def test_a_rule_cap_and_the_daily_cap_each_say_what_they_cut() -> None:
    design = _design("""
currencies: {xp: {daily_cap: 25}}
rules:
  - {id: chores, on: did, award: {xp: "event.n"}, limit: {max: 40, per: week}}
""")
    done, _ = _run(
        design,
        [("did", 30, NOON, "UTC"), ("did", 30, NOON + timedelta(days=1), "UTC")],
    )
    first, second = (_award(effects) for effects in done)
    assert first.amount == 25
    assert [s["step"] for s in first.breakdown["steps"]] == ["daily_cap"]
    # The rule counted the 25 it gave, not the 30 asked: 15 left this week.
    assert second.amount == 15
    assert second.breakdown["steps"] == [
        {"step": "rule_cap", "max": 40, "per": "week", "earned": 25, "result": 15}
    ]
    assert "rule cap 40 a week (25 earned this week) → 15" in second.explanation


def test_a_limit_with_only_a_max_never_skips_the_rule() -> None:
    done, _ = _run(_design(), [("edited", 40, NOON, "UTC"), ("edited", 5, NOON, "UTC")])
    assert [e.kind for e in done[1].items if e.kind.startswith("rule")] == ["rule_fired"]
    assert _award(done[1]).amount == 0


@pytest.mark.parametrize(
    ("limit", "where"),
    [
        ("{max: -1}", "rules.0.limit.max"),
        ("{max: 0, per: day}", "rules.0.limit.max"),
        ("{per: day}", "rules.0.limit"),
        ("{max: 10, per: month}", "rules.0.limit.per"),
    ],
)
def test_a_bad_rule_cap_is_refused_where_it_is_written(limit: str, where: str) -> None:
    with pytest.raises((DesignError, ValueError)) as raised:
        _design(f"""
currencies: {{xp: {{}}}}
rules: [{{id: r, on: did, award: {{xp: 1}}, limit: {limit}}}]
""")
    assert where in str(raised.value)


ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe"]
# Across Europe's and North America's spring DST change.
START = datetime(2026, 3, 7, 0, 0, tzinfo=UTC)
EVENTS = st.lists(
    st.tuples(
        st.sampled_from(["voted", "edited", "accepted"]),
        st.integers(-20, 120),
        st.integers(0, 24 * 30),  # quarter-hours after START: up to a week
        st.sampled_from(ZONES),
    ),
    max_size=40,
)


@settings(max_examples=150)
@given(events=EVENTS)
def test_no_local_day_ever_holds_more_than_a_cap_allows_in_any_zone(
    events: list[tuple[str, int, int, str]],
) -> None:
    timed = sorted(
        ((kind, n, START + timedelta(minutes=15 * q), zone) for kind, n, q, zone in events),
        key=lambda event: event[2],
    )
    done, _ = _run(_design(), timed)

    by_rule: dict[tuple[str, str], int] = defaultdict(int)
    capped: dict[object, int] = defaultdict(int)
    for (kind, _n, at, zone), effects in zip(timed, done, strict=True):
        award = _award(effects)
        day = local_date(at, zone)
        by_rule[(award.rule, day.isoformat())] += max(award.amount, 0)
        if award.rule != "accepted":
            capped[day] += max(award.amount, 0)
        if award.amount > 0 and kind == "accepted":
            assert "daily_cap" not in [s["step"] for s in award.breakdown["steps"]]
    assert all(total <= 30 for (rule, _), total in by_rule.items() if rule == "edit-approved")
    assert all(total <= 200 for total in capped.values())
