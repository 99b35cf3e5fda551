"""Ingestion: durable before the answer, idempotent by id, batches with partial success."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
import pytest

from tests.integration.conftest import Api

DESIGN = """
currencies: {xp: {}}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
"""


def _wait_until_processed(api: Api, event_id: str) -> None:
    deadline = time.monotonic() + 30
    while api.get(f"/v1/events/{event_id}").json()["status"] == "pending":
        assert time.monotonic() < deadline, "the embedded worker did not process the event"
        time.sleep(0.02)


def test_an_event_is_accepted_then_processed_in_the_background(api: Api) -> None:
    api.publish(DESIGN)
    accepted = api.post(
        "/v1/events",
        json={"id": "e1", "type": "did", "player": "p", "properties": {"n": 5}},
        expect=202,
    ).json()
    assert accepted["id"] == "e1"
    assert accepted["duplicate"] is False
    _wait_until_processed(api, "e1")
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
    assert result["error"]["code"] == "processing_failed"
    assert "event.n" in result["error"]["detail"]
    assert api.player("p")["currencies"]["xp"]["balance"] == 0


def test_a_failed_event_has_one_shape_sent_read_back_replayed_and_batched(api: Api) -> None:
    api.publish(DESIGN)
    event = {"id": "e", "type": "did", "player": "p"}  # no `n`: the rule cannot score it
    sent = api.post("/v1/events", params={"wait": "true"}, json=event, expect=202).json()
    read = api.get("/v1/events/e", expect=200).json()
    replayed = api.post("/v1/events", json=event, expect=200).json()
    batch = {"events": [event, {**event, "id": "e2"}]}
    batched = api.post("/v1/events/batch", params={"wait": "true"}, json=batch, expect=202).json()[
        "results"
    ]
    previewed = api.post("/v1/events/preview", json={"event": event}, expect=200).json()
    failures = [sent, read, replayed, *batched, previewed["results"][0]]
    assert {f["status"] for f in failures} == {"failed"}
    assert [f["effects"] for f in failures] == [[]] * len(failures)
    assert sent["error"] == {
        "type": "urn:questline:problem:processing_failed",
        "title": "The event could not be processed",
        "status": 422,
        "code": "processing_failed",
        "detail": sent["error"]["detail"],
    }
    assert "event.n" in sent["error"]["detail"]
    assert all(f["error"] == sent["error"] for f in failures)


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


def test_a_rule_listed_under_a_type_and_the_wildcard_fires_once(api: Api) -> None:
    api.publish("currencies: {xp: {}}\nrules: [{id: r, on: [did, '*', did], award: {xp: 1}}]\n")
    result = api.event("p", "did")
    assert [e["kind"] for e in result["effects"]] == ["rule_fired", "currency_awarded"]
    assert api.player("p")["currencies"]["xp"]["balance"] == 1


def test_an_award_too_large_to_store_fails_that_event_only(api: Api) -> None:
    api.publish(DESIGN)
    huge = api.post(
        "/v1/events",
        params={"wait": "true"},
        json={"type": "did", "player": "p", "properties": {"n": 10**15}},
        expect=202,
    ).json()
    assert huge["status"] == "failed"
    assert huge["effects"] == []
    assert "beyond the limit" in huge["error"]["detail"]
    assert api.event("p", "did", n=2)["status"] == "processed"
    assert api.player("p")["currencies"]["xp"]["balance"] == 2


def test_numbers_that_cannot_be_stored_exactly_are_refused(api: Api) -> None:
    too_big = api.post(
        "/v1/events", json={"type": "did", "player": "p", "properties": {"n": 2**70}}
    )
    assert too_big.status_code == 422
    not_a_number = api.post(
        "/v1/events",
        content=b'{"type": "did", "player": "p", "properties": {"n": NaN}}',
        headers={"Content-Type": "application/json"},
    )
    assert not_a_number.status_code in (400, 422)
    assert (
        api.post(
            "/v1/events", json={"type": "did", "player": "p", "properties": {"flag": 1}}
        ).status_code
        == 202
    )


def test_ids_with_a_slash_are_refused_because_they_could_not_be_read_back(api: Api) -> None:
    response = api.post("/v1/events", json={"id": "a/b", "type": "did", "player": "x/y"})
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["errors"]} == {("id",), ("player",)}


def test_a_replay_changes_no_player(api: Api) -> None:
    api.publish(DESIGN)
    api.post(
        "/v1/events",
        params={"wait": "true"},
        json={"id": "e1", "type": "did", "player": "ann", "properties": {"n": 1}},
        expect=202,
    )
    replay = {"id": "e1", "type": "did", "player": "bob", "profile": {"time_zone": "Asia/Tokyo"}}
    assert api.post("/v1/events", json=replay, expect=200).json()["duplicate"] is True
    api.get("/v1/players/bob", expect=404)


def test_an_event_gets_the_same_answer_however_its_content_type_is_spelled(api: Api) -> None:
    """A plain `application/json` event takes a shorter way through the server; the
    answer must not show which way it went."""
    api.publish(DESIGN)
    body = {"id": "e1", "type": "did", "player": "p", "properties": {"n": 5}}
    first = api.post("/v1/events", json=body, expect=202)
    assert first.headers["content-type"] == "application/json"
    assert set(first.json()) == {"id", "status", "duplicate", "received_at", "effects", "error"}
    # Both replays must find the event in the same state: processed.
    _wait_until_processed(api, "e1")
    answers = [
        api.client.post(
            "/v1/events",
            content=orjson.dumps(body),
            headers={**api.headers, "Content-Type": content_type},
        )
        for content_type in ("application/json", "application/json; charset=utf-8")
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].content == answers[1].content
    assert answers[0].headers["content-type"] == answers[1].headers["content-type"]
    assert answers[0].json()["received_at"] == first.json()["received_at"]

    for content_type in ("application/json", "text/plain"):
        broken = api.client.post(
            "/v1/events",
            content=b'{"type": "did", "player": 7}',
            headers={**api.headers, "Content-Type": content_type},
        )
        assert broken.status_code == 422
        assert broken.headers["content-type"] == "application/problem+json"
    api.get("/v1/players/7", expect=404)


def test_single_events_sent_at_once_each_get_their_own_answer(api: Api) -> None:
    """Concurrent requests are appended together; none may see another's outcome."""
    api.publish(DESIGN)
    bodies = [
        {"id": f"e{i}", "type": "did", "player": f"p{i % 6}", "properties": {"n": i}}
        for i in range(36)
    ]
    bodies += [{"id": "same", "type": "did", "player": "q", "properties": {"n": 100}}] * 6
    bodies += [{"id": "odd", "type": "did", "player": "r", "item": "nope"}]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda body: api.post("/v1/events", json=body), bodies))

    assert [a.status_code for a in answers[:36]] == [202] * 36
    assert [a.json()["id"] for a in answers[:36]] == [f"e{i}" for i in range(36)]
    replays = answers[36:42]
    assert sorted(a.status_code for a in replays) == [200] * 5 + [202]
    assert {a.json()["received_at"] for a in replays} == {replays[0].json()["received_at"]}
    assert answers[42].status_code == 422
    assert answers[42].json()["errors"][0]["loc"] == ["item"]
    deadline = time.monotonic() + 10
    while any(api.get(f"/v1/events/e{i}").json()["status"] == "pending" for i in range(36)):
        assert time.monotonic() < deadline, "the embedded worker did not process the events"
        time.sleep(0.02)
    for player in range(6):
        expected = sum(i for i in range(36) if i % 6 == player)
        assert api.player(f"p{player}")["currencies"]["xp"]["balance"] == expected
    assert api.player("q")["currencies"]["xp"]["balance"] == 100
    api.get("/v1/players/r", expect=404)


def test_batch_results_name_only_ids_the_client_gave(api: Api) -> None:
    result = api.post(
        "/v1/events/batch",
        json={"events": [{"type": "did", "player": "p", "item": "nope"}, {"type": 5}]},
        expect=202,
    ).json()
    assert [r["id"] for r in result["results"]] == [None, None]
    assert [r["status"] for r in result["results"]] == ["rejected", "rejected"]


def test_one_event_that_breaks_processing_does_not_hold_up_the_others(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    import questline.processing.batch as batch

    real_step = batch.step

    def step_that_breaks_on_poison(state: Any, event: Any, design: Any) -> Any:
        if event.properties.get("poison") is True:
            raise RuntimeError("a bug in the engine")
        return real_step(state, event, design)

    monkeypatch.setattr(batch, "step", step_that_breaks_on_poison)
    api.publish(DESIGN)
    events = [
        {"id": "ok1", "type": "did", "player": "p", "properties": {"n": 1}},
        {"id": "bad", "type": "did", "player": "p", "properties": {"n": 1, "poison": True}},
        {"id": "ok2", "type": "did", "player": "q", "properties": {"n": 2}},
    ]
    api.post("/v1/events/batch", params={"wait": "true"}, json={"events": events}, expect=202)
    bad = api.get("/v1/events/bad").json()
    assert (bad["status"], bad["effects"]) == ("failed", [])
    assert bad["error"]["code"] == "processing_failed"
    assert "internal error" in bad["error"]["detail"]
    assert api.get("/v1/events/ok1").json()["status"] == "processed"
    assert api.get("/v1/events/ok2").json()["status"] == "processed"
    assert api.player("q")["currencies"]["xp"]["balance"] == 2


def test_the_worker_can_run_in_a_child_process_of_the_server(database_url: str) -> None:
    from fastapi.testclient import TestClient

    from questline.api.app import create_app
    from tests.integration.conftest import make_settings

    settings = make_settings(database_url, embedded_worker="process")
    with TestClient(create_app(settings)) as client:
        api = Api(client)
        api.publish(DESIGN)
        api.post(
            "/v1/events",
            json={"id": "e1", "type": "did", "player": "p", "properties": {"n": 4}},
            expect=202,
        )
        deadline = time.monotonic() + 30
        while api.get("/v1/events/e1").json()["status"] == "pending":
            assert time.monotonic() < deadline, "the worker process did not process the event"
            time.sleep(0.05)
        assert api.player("p")["currencies"]["xp"]["balance"] == 4
