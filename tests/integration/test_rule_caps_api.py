"""Rule caps, a rule exempt from the daily cap and a floor above 0, through the API: what
an event earned and why, the ledger that sums to the balance, and a design that cannot
hold refused where it is wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.conftest import Api

REPUTATION = """
currencies:
  reputation: {name: Reputation, min: 1, daily_cap: 200}
rules:
  - {id: upvoted, on: answer.voted, when: "event.up == true", award: {reputation: 10}}
  - {id: downvoted, on: answer.voted, when: "event.up == false", award: {reputation: -2}}
  - id: edit-approved
    on: edit.approved
    award: {reputation: 2}
    limit: {max: 5, per: day}
  - id: accepted
    on: answer.accepted
    award: {reputation: 15}
    exempt_from_daily_cap: true
"""
# 23:00 in New York on 7 March; the clocks go forward at 02:00 that night.
EVENING = datetime(2026, 3, 8, 4, 0, tzinfo=UTC)


def _event(
    api: Api, player: str, type_: str, at: datetime, zone: str = "UTC", **properties: Any
) -> dict[str, Any]:
    body = {
        "type": type_,
        "player": player,
        "time": at.isoformat(),
        "properties": properties,
        "profile": {"time_zone": zone},
    }
    answer = api.post("/v1/events", params={"wait": "true"}, json=body, expect=202).json()
    assert answer["status"] == "processed", answer
    return dict(answer)


def _awarded(answer: dict[str, Any]) -> dict[str, Any]:
    [award] = [e for e in answer["effects"] if e["kind"] == "currency_awarded"]
    return dict(award)


def test_a_rule_cap_cuts_an_award_and_the_response_says_why(api: Api) -> None:
    api.publish(REPUTATION)
    new_york = "America/New_York"
    edits = [
        _event(api, "nia", "edit.approved", EVENING + timedelta(minutes=m), new_york)
        for m in range(4)
    ]
    first = edits[0]["effects"][0]
    assert first == {
        "kind": "balance_opened",
        "currency": "reputation",
        "balance": 1,
        "explanation": "starting balance, the floor of reputation: +1 reputation",
    }
    assert [_awarded(answer)["amount"] for answer in edits] == [2, 2, 1, 0]
    cut = _awarded(edits[2])
    assert cut["breakdown"]["steps"] == [
        {"step": "rule_cap", "max": 5, "per": "day", "earned": 4, "result": 1}
    ]
    assert cut["explanation"] == (
        "edit-approved: 2 gives 2; rule cap 5 a day (4 earned today) → 1: +1 reputation"
    )
    # 00:30 in New York: a new day there (though not in UTC), a fresh cap.
    next_day = _event(api, "nia", "edit.approved", EVENING + timedelta(minutes=90), new_york)
    assert _awarded(next_day)["amount"] == 2
    assert api.player("nia")["currencies"]["reputation"]["balance"] == 1 + 5 + 2


def test_an_accepted_answer_counts_past_the_daily_cap_and_a_downvote_stops_at_the_floor(
    api: Api,
) -> None:
    api.publish(REPUTATION)
    votes = [
        _event(api, "omar", "answer.voted", EVENING + timedelta(minutes=m), up=True)
        for m in range(21)
    ]
    capped = _awarded(votes[-1])
    assert capped["amount"] == 0
    assert "daily cap 200 (200 earned today) → 0" in capped["explanation"]
    accepted = _awarded(_event(api, "omar", "answer.accepted", EVENING + timedelta(hours=1)))
    assert (accepted["amount"], accepted["balance_after"]) == (15, 216)
    assert accepted["breakdown"]["steps"] == []

    # A newcomer downvoted: reputation stays at its floor of 1.
    down = _awarded(_event(api, "ivy", "answer.voted", EVENING, up=False))
    assert (down["amount"], down["balance_after"]) == (0, 1)
    assert api.player("ivy")["currencies"]["reputation"] == {
        "balance": 1,
        "earned": 0,
        "level": None,
    }
    ledger = api.get("/v1/players/ivy/ledger", expect=200).json()["data"]
    assert [(e["cause"], e["cause_id"], e["amount"]) for e in ledger] == [
        ("opening", "starting balance", 1)
    ]
    opening = api.get("/v1/players/ivy/ledger", params={"cause": "opening"}, expect=200).json()
    assert len(opening["data"]) == 1
    omar = api.get("/v1/players/omar/ledger", params={"limit": 100}, expect=200).json()["data"]
    assert sum(e["amount"] for e in omar) == 216


@pytest.mark.parametrize(
    ("change", "loc", "message"),
    [
        ({"limit": {"max": -1, "per": "day"}}, ["rules", 2, "limit", "max"], "greater than 0"),
        ({"limit": {"per": "day"}}, ["rules", 2, "limit"], "'times'"),
        ({"exempt_from_daily_cap": "sometimes"}, ["rules", 2, "exempt_from_daily_cap"], "bool"),
    ],
)
def test_a_rule_cap_that_cannot_hold_is_refused_where_it_is_written(
    api: Api, change: dict[str, Any], loc: list[Any], message: str
) -> None:
    rules: list[dict[str, Any]] = [
        {"id": "upvoted", "on": "answer.voted", "award": {"reputation": 10}},
        {"id": "accepted", "on": "answer.accepted", "award": {"reputation": 15}},
        {"id": "edit-approved", "on": "edit.approved", "award": {"reputation": 2}, **change},
    ]
    design = {"currencies": {"reputation": {"min": 1}}, "rules": rules}
    refused = api.post("/v1/config/validate", json=design)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    [error] = refused.json()["errors"]
    assert error["loc"] == loc
    assert message in error["message"]
    api.get("/v1/config", expect=404)


def test_a_floor_a_spendable_currency_would_spend_through_is_refused(api: Api) -> None:
    design = {"currencies": {"gems": {"spendable": True, "min": 5}}}
    refused = api.post("/v1/config/validate", json=design)
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["loc"] == ["currencies", "gems"]
    assert "spendable" in error["message"]


def test_a_backfill_reward_starts_from_a_floor_published_after_the_players_events(
    api: Api,
) -> None:
    game = """
currencies: {xp: {}, reputation: {min: MIN}}
metrics: {answers: {count: answered}}
rules: [{id: answer-xp, on: answered, award: {xp: 1}}]
achievements:
  - {id: regular, when: "metric.answers >= TARGET", rewards: {currencies: {reputation: 10}}}
"""
    api.publish(game.replace("MIN", "0").replace("TARGET", "5"))
    for minutes in range(3):
        _event(api, "cy", "answered", EVENING + timedelta(minutes=minutes))
    assert api.player("cy")["currencies"]["reputation"]["balance"] == 0

    # Now reputation never falls below 1, and three answers earn the badge.
    api.publish(game.replace("MIN", "1").replace("TARGET", "3"))
    assert api.player("cy")["currencies"]["reputation"]["balance"] == 1  # not opened yet
    assert api.post("/v1/achievements/backfill", expect=200).json()["awarded"] == 1
    assert api.player("cy")["currencies"]["reputation"]["balance"] == 11
    ledger = api.get("/v1/players/cy/ledger", params={"currency": "reputation"}, expect=200)
    assert [(e["cause"], e["amount"], e["balance_after"]) for e in ledger.json()["data"]] == [
        ("achievement", 10, 11),
        ("opening", 1, 1),
    ]
