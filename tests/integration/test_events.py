"""Ingestion: durable before the answer, idempotent by id, batches with partial success."""

from __future__ import annotations

import time

from tests.integration.conftest import Api

DESIGN = """
currencies: {xp: {}}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
"""


def test_an_event_is_accepted_then_processed_in_the_background(api: Api) -> None:
    api.publish(DESIGN)
    accepted = api.post(
        "/v1/events",
        json={"id": "e1", "type": "did", "player": "p", "properties": {"n": 5}},
        expect=202,
    ).json()
    assert accepted["id"] == "e1"
    assert accepted["duplicate"] is False
    deadline = time.monotonic() + 10
    while api.get("/v1/events/e1").json()["status"] == "pending":
        assert time.monotonic() < deadline, "the embedded worker did not process the event"
        time.sleep(0.02)
    stored = api.get("/v1/events/e1", expect=200).json()
    assert stored["status"] == "processed"
    assert stored["config_version"] == 1
    assert [e["kind"] for e in stored["effects"]] == ["rule_fired", "currency_awarded"]
    assert api.player("p")["currencies"]["xp"]["balance"] == 5


def test_a_replayed_id_returns_the_original_result_and_awards_nothing(api: Api) -> None:
    api.publish(DESIGN)
    body = {"id": "e1", "type": "did", "player": "p", "properties": {"n": 5}}
    first = api.post("/v1/events", params={"wait": "true"}, json=body, expect=202).json()
    again = api.post("/v1/events", params={"wait": "true"}, json=body, expect=200).json()
    assert again["duplicate"] is True
    assert again["effects"] == first["effects"]
    assert api.player("p")["currencies"]["xp"]["balance"] == 5
    assert len(api.get("/v1/players/p/ledger").json()["data"]) == 1


def test_a_batch_reports_each_event_and_keeps_the_good_ones(api: Api) -> None:
    api.publish(DESIGN)
    api.post(
        "/v1/events",
        params={"wait": "true"},
        json={"id": "old", "type": "did", "player": "p", "properties": {"n": 1}},
        expect=202,
    )
    events = [
        {"id": "a", "type": "did", "player": "p", "properties": {"n": 2}},
        {"id": "b", "type": "did", "player": 7},
        {"id": "old", "type": "did", "player": "p", "properties": {"n": 1}},
        {"id": "c", "type": "did", "player": "q", "properties": {"n": 3}},
        {"id": "a", "type": "did", "player": "p", "properties": {"n": 2}},
        {"id": "d", "type": "did", "player": "q", "item": "missing"},
    ]
    result = api.post(
        "/v1/events/batch", params={"wait": "true"}, json={"events": events}, expect=202
    ).json()
    assert (result["accepted"], result["duplicates"], result["rejected"]) == (2, 2, 2)
    by_index = {r["index"]: r for r in result["results"]}
    assert by_index[0]["status"] == "processed"
    assert by_index[1]["status"] == "rejected"
    assert by_index[1]["error"]["errors"][0]["loc"] == ["events", 1, "player"]
    assert by_index[2]["duplicate"] is True
    assert by_index[4]["duplicate"] is True
    assert by_index[5]["error"]["errors"][0]["loc"] == ["events", 5, "item"]
    assert api.player("p")["currencies"]["xp"]["balance"] == 3
    assert api.player("q")["currencies"]["xp"]["balance"] == 3


def test_a_batch_is_limited_to_1000_events(api: Api) -> None:
    events = [{"type": "did", "player": "p"} for _ in range(1001)]
    assert api.post("/v1/events/batch", json={"events": events}).status_code == 422


def test_an_event_the_design_cannot_score_is_marked_failed_with_the_reason(api: Api) -> None:
    api.publish(DESIGN)
    result = api.post(
        "/v1/events",
        params={"wait": "true"},
        json={"id": "e", "type": "did", "player": "p"},
        expect=202,
    ).json()
    assert result["status"] == "failed"
    assert "event.n" in result["error"]
    assert api.player("p")["currencies"]["xp"]["balance"] == 0


def test_profile_fields_ride_along_and_set_the_players_time_zone(api: Api) -> None:
    api.publish(DESIGN)
    api.post(
        "/v1/events",
        params={"wait": "true"},
        json={
            "type": "did",
            "player": "p",
            "properties": {"n": 1},
            "profile": {"name": "Ada", "time_zone": "Asia/Kathmandu"},
        },
        expect=202,
    )
    player = api.player("p")
    assert (player["display_name"], player["time_zone"]) == ("Ada", "Asia/Kathmandu")
    bad = api.post(
        "/v1/events", json={"type": "did", "player": "p", "profile": {"time_zone": "Mars/Olympus"}}
    )
    assert bad.status_code == 422
    assert "IANA" in bad.json()["errors"][0]["message"]


def test_the_ledger_pages_newest_first_with_explanations(api: Api) -> None:
    api.publish(DESIGN)
    for n in range(1, 6):
        api.event("p", "did", n=n)
    first = api.get("/v1/players/p/ledger", params={"limit": 2}, expect=200).json()
    assert [e["amount"] for e in first["data"]] == [5, 4]
    assert first["data"][0]["balance_after"] == 15
    assert first["data"][0]["explanation"] == "r: event.n with event.n = 5 gives 5: +5 xp"
    second = api.get(
        "/v1/players/p/ledger", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    third = api.get(
        "/v1/players/p/ledger", params={"limit": 2, "cursor": second["next_cursor"]}
    ).json()
    assert [e["amount"] for e in second["data"] + third["data"]] == [3, 2, 1]
    assert third["next_cursor"] is None
