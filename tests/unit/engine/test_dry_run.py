"""The pure half of a dry run: a player's events replayed through a design, and the
tally of replays against live outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from questline.engine import compile_design
from questline.engine.dry_run import DryRunTally, Outcome, percentile, replay
from questline.engine.process import EventRejected, step
from questline.engine.state import Event, PlayerState

DESIGN = compile_design(
    {
        "currencies": {"xp": {"levels": {"thresholds": [0, 100, 300]}}},
        "rules": [{"id": "xp", "on": "did", "award": {"xp": "event.score"}}],
        "achievements": [{"id": "hundred", "when": "currency.xp >= 100"}],
    },
    1,
)
DOUBLE = compile_design(
    {
        "currencies": {"xp": {"levels": {"thresholds": [0, 100, 300]}}},
        "rules": [{"id": "xp", "on": "did", "award": {"xp": "2 * event.score"}}],
        "achievements": [{"id": "hundred", "when": "currency.xp >= 100"}],
    },
    0,
)
START = datetime(2026, 11, 2, 9, tzinfo=UTC)


def events(scores: list[int | None]) -> list[Event]:
    return [
        Event(seq, "did", START + timedelta(hours=seq), "UTC", {} if s is None else {"score": s})
        for seq, s in enumerate(scores, start=1)
    ]


def live(scores: list[int | None]) -> Outcome:
    """What the worker would hold: each event stepped in turn, failures skipped."""
    state = PlayerState("p")
    for event in events(scores):
        try:
            _, state = step(state, event, DESIGN)
        except EventRejected:  # changes nothing, as in the worker
            continue
    return Outcome.of(state)


def test_an_event_the_design_cannot_score_is_kept_with_its_reason_and_changes_nothing() -> None:
    done = replay("p", events([40, None, 70]), DESIGN)
    assert done.events == 3
    assert [(event.seq, "event.score" in reason) for event, reason in done.failures] == [(2, True)]
    assert done.state.balance("xp").balance == 110
    assert ("hundred", "", "all") in done.state.awards


def test_the_tally_reports_changes_levels_and_achievements_against_live() -> None:
    tally = DryRunTally(DESIGN, DOUBLE)
    for name, scores in {"a": [40, 30], "b": [10], "c": [60, 50]}.items():
        tally.add(name, live(scores), replay(name, events(scores), DOUBLE), {})
    report = tally.report()
    xp = report["currencies"]["xp"]
    assert (xp["live_total"], xp["dry_run_total"], xp["change"]) == (190, 380, 190)
    assert xp["per_player_change"] == {"min": 10, "p50": 70, "p90": 110, "max": 110}
    assert report["levels"]["xp"] == {"before": {"1": 2, "2": 1}, "after": {"1": 1, "2": 2}}
    assert report["achievements"]["hundred"] == {
        "live_players": 1,
        "dry_run_players": 2,
        "would_unlock": 1,
        "would_not_unlock": 0,
    }
    assert report["players_differing"] == 3


scores = st.lists(st.one_of(st.none(), st.integers(-50, 200)), max_size=12)


@given(st.lists(scores, min_size=1, max_size=5))
def test_replaying_under_the_live_design_differs_from_live_for_no_player(
    logs: list[list[int | None]],
) -> None:
    tally = DryRunTally(DESIGN, DESIGN)
    for number, log in enumerate(logs):
        tally.add(f"p{number}", live(log), replay(f"p{number}", events(log), DESIGN), {})
    report = tally.report()
    assert report["players_differing"] == 0
    assert report["failed_events"] == sum(s is None for log in logs for s in log)
    for currency in report["currencies"].values():
        assert currency["change"] == 0
        assert currency["per_player_change"] == {"min": 0, "p50": 0, "p90": 0, "max": 0}


@given(st.lists(st.integers(-1000, 1000), min_size=1, max_size=50))
def test_percentiles_are_values_of_the_list_in_order(values: list[int]) -> None:
    ordered = sorted(values)
    p50, p90 = percentile(ordered, 0.5), percentile(ordered, 0.9)
    assert p50 in values
    assert p90 in values
    assert ordered[0] <= p50 <= p90 <= ordered[-1]
    assert sum(v <= p50 for v in values) >= len(values) / 2


def test_percentiles_use_the_nearest_rank() -> None:
    assert [percentile(list(range(1, 11)), share) for share in (0.5, 0.9)] == [5, 9]
    assert percentile([], 0.5) == 0
