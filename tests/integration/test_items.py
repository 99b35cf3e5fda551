"""The catalog: create, read, update, retire, list."""

from __future__ import annotations

from tests.integration.conftest import Api


def test_an_item_round_trips_with_localized_names(api: Api) -> None:
    body = {
        "key": "squat",
        "kind": "exercise",
        "names": {"en": "Squat", "he": "סקוואט"},
        "attributes": {"base_points": 10},
    }
    created = api.post("/v1/items", json=body, expect=201).json()
    assert {k: created[k] for k in body} == body
    assert created["active"] is True
    assert api.get("/v1/items/squat", expect=200).json()["names"]["he"] == "סקוואט"


def test_a_key_is_unique_per_app(api: Api) -> None:
    api.item("squat", "exercise")
    assert api.post("/v1/items", json={"key": "squat", "kind": "exercise"}).status_code == 409


def test_patch_changes_only_what_is_given(api: Api) -> None:
    api.post(
        "/v1/items",
        json={"key": "c", "kind": "challenge", "attributes": {"xp": 100}, "names": {"en": "C"}},
        expect=201,
    )
    patched = api.request(
        "PATCH", "/v1/items/c", json={"attributes": {"xp": 150}}, expect=200
    ).json()
    assert patched["attributes"] == {"xp": 150}
    assert patched["names"] == {"en": "C"}


def test_a_retired_item_is_gone_from_reads_and_events(api: Api) -> None:
    api.publish("currencies: {xp: {}}\nrules: [{id: r, on: did, award: {xp: item.xp}}]\n")
    api.item("c", "challenge", xp=100)
    assert api.event("p", "did", item="c")["effects"][1]["amount"] == 100
    api.request("DELETE", "/v1/items/c", expect=204)
    api.get("/v1/items/c", expect=404)
    assert (
        api.post("/v1/events", json={"type": "did", "player": "p", "item": "c"}).status_code == 422
    )
    assert api.post("/v1/items", json={"key": "c", "kind": "challenge"}).status_code == 409


def test_lists_page_with_a_cursor_and_filter_by_kind(api: Api) -> None:
    for i in range(5):
        api.item(f"c{i}", "challenge")
    api.item("s", "shop_item")
    first = api.get("/v1/items", params={"kind": "challenge", "limit": 3}, expect=200).json()
    second = api.get(
        "/v1/items", params={"kind": "challenge", "limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert [i["key"] for i in first["data"] + second["data"]] == ["c0", "c1", "c2", "c3", "c4"]
    assert second["next_cursor"] is None
    assert api.get("/v1/items", params={"cursor": "%%%"}).status_code == 422


def test_attribute_names_must_be_readable_by_rules(api: Api) -> None:
    response = api.post(
        "/v1/items", json={"key": "c", "kind": "challenge", "attributes": {"Base Points": 1}}
    )
    assert response.status_code == 422
