"""The dry run's promise as an invariant: for random small designs and event logs, a
dry run of design D over the log reproduces what live processing under D did —
balances, lifetime totals and achievements — for every player, with rule caps, a rule
exempt from the daily cap and a currency whose floor is above 0 among them."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.conftest import Api

START = datetime(2026, 11, 2, 9, tzinfo=UTC)
_examples = itertools.count()


@st.composite
def designs(draw: st.DrawFn) -> dict[str, Any]:
    xp: dict[str, Any] = {}
    if draw(st.booleans()):
        xp["daily_cap"] = draw(st.integers(1, 60))
    if draw(st.booleans()):
        xp["max"] = draw(st.integers(10, 200))
    award = draw(st.sampled_from(["event.n", "2 * event.n", "5", "event.n * event.n"]))
    rule: dict[str, Any] = {"id": "xp", "on": "did", "award": {"xp": award}}
    if draw(st.booleans()):
        rule["when"] = f"event.n >= {draw(st.integers(0, 10))}"
    if draw(st.booleans()):
        rule["limit"] = {
            "max": draw(st.integers(1, 80)),
            "per": draw(st.sampled_from(["day", "week", "all"])),
        }
    rules = [rule]
    if draw(st.booleans()):
        rules.append({"id": "spend", "on": "spent", "award": {"xp": "0 - event.n"}})
    if draw(st.booleans()):
        rules.append(
            {"id": "bonus", "on": "did", "award": {"xp": 3}, "exempt_from_daily_cap": True}
        )
    # A reputation that never falls below its floor (and starts there).
    rules += [
        {"id": "rep-up", "on": "did", "award": {"rep": "event.n"}, "limit": {"max": 10}},
        {"id": "rep-down", "on": "spent", "award": {"rep": "0 - event.n"}},
    ]
    rep = {"min": draw(st.integers(1, 5)), "daily_cap": draw(st.integers(5, 30))}
    threshold = draw(st.integers(1, 100))
    return {
        "currencies": {"xp": xp, "rep": rep},
        "metrics": {"done": {"count": "did"}},
        "rules": rules,
        "achievements": [
            {"id": "rich", "when": f"currency.xp >= {threshold}"},
            {"id": "busy", "when": f"metric.done >= {draw(st.integers(1, 6))}"},
        ],
    }


events = st.lists(
    st.tuples(
        st.integers(0, 2),  # which player
        st.sampled_from(["did", "did", "spent"]),
        st.integers(0, 12),  # event.n
        st.integers(0, 72),  # hours after START
    ),
    min_size=1,
    max_size=20,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(design=designs(), log=events)
def test_a_dry_run_of_a_design_equals_live_processing_under_it(
    api: Api, design: dict[str, Any], log: list[tuple[int, str, int, int]]
) -> None:
    # Each example has players of its own, all of whose events are processed under D.
    example = next(_examples)
    players = [f"x{example}-{number}" for number in range(3)]
    published = api.request("PUT", "/v1/config", json=design)
    assert published.status_code == 201, published.text
    batch = [
        {
            "type": type_,
            "player": players[who],
            "time": (START + timedelta(hours=hours)).isoformat(),
            "properties": {"n": n},
        }
        for who, type_, n, hours in log
    ]
    api.post("/v1/events/batch", params={"wait": "true"}, json={"events": batch}, expect=202)
    started = api.post(
        "/v1/config/dry-runs", json={"design": design, "players": players}, expect=202
    ).json()
    api.client.app.state.questline.dry_runs.wait()  # type: ignore[attr-defined]
    done = api.get(f"/v1/config/dry-runs/{started['id']}", expect=200).json()
    assert done["status"] == "finished", done
    report = done["report"]
    assert report["players"] == len({who for who, *_ in log})
    assert report["players_differing"] == 0, report
    live = {p: api.player(p)["currencies"]["xp"]["balance"] for p in {players[w] for w, *_ in log}}
    xp = report["currencies"].get("xp", {"live_total": 0, "dry_run_total": 0})
    assert xp["live_total"] == xp["dry_run_total"] == sum(live.values())
    reputation = {p: api.player(p)["currencies"]["rep"]["balance"] for p in live}
    assert all(balance >= design["currencies"]["rep"]["min"] for balance in reputation.values())
    rep = report["currencies"]["rep"]
    assert rep["live_total"] == rep["dry_run_total"] == sum(reputation.values())
    for counts in report["achievements"].values():
        assert counts["live_players"] == counts["dry_run_players"]
        assert counts["would_unlock"] == counts["would_not_unlock"] == 0
