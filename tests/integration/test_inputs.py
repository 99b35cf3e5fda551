"""The rules shared ids and times follow: refused with a 422 that says where, nothing
stored, and never a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from tests.integration.conftest import Api

DESIGN = """
currencies: {xp: {}}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
"""
OUT_OF_RANGE = [
    "0001-01-01T00:00:00+14:00",  # before year 1 in UTC: overflowed
    "9999-12-31T23:59:59-14:00",  # after year 9999 in UTC: overflowed
    "0001-01-01T00:00:00Z",  # was stored, then failed to process
    "1999-12-31T23:59:59Z",
    "2000-01-01T09:59:59+10:00",  # still 1999 in UTC
]
NOT_TEXT: list[Any] = [0, 1_700_000_000, 1.5, True, "1700000000", ["2026-11-21T16:35:51Z"]]


def _refused_at(response: Any, *loc: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body = dict(response.json())
    assert body["code"] == "invalid_input"
    assert body["request_id"] == response.headers["x-request-id"]
    assert [list(loc)] == [error["loc"] for error in body["errors"]], body
    return body


@pytest.mark.parametrize("wait", [False, True])
def test_an_event_time_outside_the_documented_range_is_a_422_and_stores_nothing(
    api: Api, wait: bool
) -> None:
    api.publish(DESIGN)
    far_ahead = datetime.now(UTC) + timedelta(days=31)
    for time in [*OUT_OF_RANGE, far_ahead.isoformat()]:
        event = {"type": "did", "player": "pam", "time": time, "properties": {"n": 1}}
        _refused_at(
            api.post("/v1/events", params={"wait": wait} if wait else {}, json=event), "time"
        )
    api.get("/v1/players/pam", expect=404)


def test_an_event_time_at_either_end_of_the_range_is_processed(api: Api) -> None:
    api.publish(DESIGN)
    soon = datetime.now(UTC) + timedelta(days=29)
    for time in ["2000-01-01T00:00:00Z", "2000-01-01T10:00:00+10:00", soon.isoformat()]:
        event = {"type": "did", "player": "pam", "time": time, "properties": {"n": 1}}
        answer = api.post("/v1/events", params={"wait": "true"}, json=event, expect=202).json()
        assert answer["status"] == "processed", answer
    assert api.player("pam")["currencies"]["xp"]["balance"] == 3


def test_an_event_time_is_text_never_a_number_read_as_a_timestamp(api: Api) -> None:
    for time in NOT_TEXT:
        response = api.post("/v1/events", json={"type": "did", "player": "pam", "time": time})
        body = _refused_at(response, "time")
        assert "RFC 3339" in body["errors"][0]["message"]
    api.get("/v1/players/pam", expect=404)


def test_a_bad_time_in_a_batch_is_rejected_alone_and_its_siblings_are_stored(api: Api) -> None:
    api.publish(DESIGN)
    events = [
        {"id": "b0", "type": "did", "player": "ann", "time": OUT_OF_RANGE[0]},
        {"id": "b1", "type": "did", "player": "bob", "properties": {"n": 2}},
        {"id": "b2", "type": "did", "player": "cid", "time": OUT_OF_RANGE[1]},
        {"id": "b3", "type": "did", "player": "dee", "time": 0},
        {"id": "b4", "type": "did", "player": "eve", "properties": {"n": 3}},
    ]
    answer = api.post(
        "/v1/events/batch", params={"wait": "true"}, json={"events": events}, expect=202
    ).json()
    assert (answer["accepted"], answer["rejected"]) == (2, 3)
    statuses = [(r["id"], r["status"]) for r in answer["results"]]
    assert statuses == [
        ("b0", "rejected"),
        ("b1", "processed"),
        ("b2", "rejected"),
        ("b3", "rejected"),
        ("b4", "processed"),
    ]
    assert answer["results"][0]["error"]["errors"][0]["loc"] == ["events", 0, "time"]
    assert api.player("bob")["currencies"]["xp"]["balance"] == 2
    assert api.player("eve")["currencies"]["xp"]["balance"] == 3
    for player in ("ann", "cid", "dee"):
        api.get(f"/v1/players/{player}", expect=404)


def test_a_key_expiry_beyond_the_calendar_or_given_as_a_number_is_a_422(api: Api) -> None:
    for expires_at in ["9999-12-31T23:59:59-14:00", 4_102_444_800, "4102444800"]:
        body = {"name": "k", "scopes": ["players:read"], "expires_at": expires_at}
        _refused_at(api.post("/v1/keys", json=body), "expires_at")
    later = {"name": "k", "scopes": ["players:read"], "expires_at": "2998-01-01T00:00:00-14:00"}
    assert api.post("/v1/keys", json=later, expect=201).json()["expires_at"].startswith("2998")


BAD_IDS = {
    ".": "URL path",
    "..": "URL path",
    "ad\u202ea": "RIGHT-TO-LEFT OVERRIDE (U+202E)",
    "ad\u2067a": "RIGHT-TO-LEFT ISOLATE (U+2067)",
    "ad\u200ba": "ZERO WIDTH SPACE (U+200B)",
    "ad\u200da": "ZERO WIDTH JOINER (U+200D)",
    "\ufeffada": "ZERO WIDTH NO-BREAK SPACE (U+FEFF)",
    "ad\x07a": "control character (U+0007)",
    "ad\x7fa": "control character (U+007F)",
    "ad\u00a0a": "string_pattern_mismatch",  # a space, if not an ASCII one
    "ad\u2028a": "string_pattern_mismatch",
    "a/b": "string_pattern_mismatch",
}


def _why(response: Any) -> str:
    error = response.json()["errors"][0]
    return f"{error['message']} {error['type']}"


def test_player_event_and_item_ids_follow_one_rule(api: Api) -> None:
    api.publish(DESIGN)
    api.item("mat", "exercise")
    for bad, reason in BAD_IDS.items():
        as_player = api.post("/v1/events", json={"type": "did", "player": bad})
        _refused_at(as_player, "player")
        assert reason in _why(as_player)
        as_event_id = api.post("/v1/events", json={"id": bad, "type": "did", "player": "pam"})
        _refused_at(as_event_id, "id")
        as_item = api.post("/v1/events", json={"type": "did", "player": "pam", "item": bad})
        _refused_at(as_item, "item")
        in_batch = api.post(
            "/v1/events/batch", json={"events": [{"type": "did", "player": bad}]}, expect=202
        ).json()
        assert in_batch["results"][0]["error"]["errors"][0]["loc"] == ["events", 0, "player"]
        _refused_at(api.post("/v1/items", json={"key": bad, "kind": "exercise"}), "key")
    api.get("/v1/players/pam", expect=404)
    assert [item["key"] for item in api.get("/v1/items", expect=200).json()["data"]] == ["mat"]


def test_a_grant_id_follows_the_same_rule(api: Api) -> None:
    api.publish(DESIGN)
    api.event("pam", "did", n=1)
    grant = {"id": "refund\u200b1", "currency": "xp", "amount": 5, "reason": "refund"}
    _refused_at(api.post("/v1/players/pam/grants", json=grant), "id")
    assert api.player("pam")["currencies"]["xp"]["balance"] == 1


def test_ids_in_any_script_and_with_emoji_are_stored_and_addressable(api: Api) -> None:
    # Emoji joined into one by U+200D (a zero-width joiner) are the price of the rule.
    api.publish(DESIGN)
    for player in ["אדה", "Zoë", "игрок-7", "player:42@example.com", "🦊", "a.b", "..."]:
        api.post(
            "/v1/events", json={"type": "did", "player": player, "properties": {"n": 1}}, expect=202
        )
        api.get(f"/v1/players/{quote(player, safe='')}", expect=200)


def test_a_design_time_outside_utcs_calendar_is_refused_at_publish(api: Api) -> None:
    # Accepted before, such a window made every later event fail to process.
    window = {"starts_at": "0001-01-01T00:00:00+14:00", "ends_at": "2030-01-01T00:00:00Z"}
    board = {"rank_by": "currency.xp", "period": "window", **window}
    design = {"currencies": {"xp": {}}, "leaderboards": {"w": board}}
    response = api.request("PUT", "/v1/config", json=design)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["loc"] == ["leaderboards", "w"]
    assert "outside UTC's calendar" in error["message"]
    api.get("/v1/config", expect=404)
