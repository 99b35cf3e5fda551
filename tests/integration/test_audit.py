"""The audit log: who changed what, when, from what to what, under which request."""

from __future__ import annotations

from tests.integration.conftest import Api

DESIGN = """
currencies: {xp: {}}
rules: [{id: r, on: did, award: {xp: "event.n"}}]
"""


def entries(api: Api, **params: str) -> list[dict[str, object]]:
    return list(api.get("/v1/audit", params=params, expect=200).json()["data"])


def test_design_changes_are_recorded_with_before_after_and_request_id(api: Api) -> None:
    api.request(
        "PUT",
        "/v1/config",
        content=DESIGN.encode(),
        headers={"Content-Type": "application/yaml", "X-Request-ID": "publish-1"},
        expect=201,
    )
    api.publish(DESIGN.replace("event.n", "event.n * 2"))
    api.post("/v1/config/rollback", json={"version": 1}, expect=201)
    rollback, second, first = entries(api, target_type="config")
    assert first["action"] == "config.publish"
    assert first["request_id"] == "publish-1"
    assert first["before"] is None
    assert first["actor"] == "key:bootstrap"
    assert second["before"]["version"] == 1  # type: ignore[index]
    assert second["after"]["document"]["rules"][0]["award"]["xp"] == "event.n * 2"  # type: ignore[index]
    assert rollback["action"] == "config.rollback"
    assert rollback["after"]["version"] == 3  # type: ignore[index]


def test_item_changes_are_recorded(api: Api) -> None:
    api.item("squat", "exercise", base=10)
    api.request("PATCH", "/v1/items/squat", json={"attributes": {"base": 12}}, expect=200)
    api.request("DELETE", "/v1/items/squat", expect=204)
    delete, update, create = entries(api, target_type="item")
    assert [create["action"], update["action"], delete["action"]] == [
        "item.create",
        "item.update",
        "item.delete",
    ]
    assert update["before"]["attributes"] == {"base": 10}  # type: ignore[index]
    assert update["after"]["attributes"] == {"base": 12}  # type: ignore[index]
    assert delete["after"] is None
    assert all(entry["target_id"] == "squat" for entry in (create, update, delete))


def test_a_refused_change_leaves_no_entry(api: Api) -> None:
    bad = api.request(
        "PUT",
        "/v1/config",
        content=b"rules: [{id: r, on: did, award: {gold: '1'}}]",
        headers={"Content-Type": "application/yaml"},
    )
    assert bad.status_code == 422
    assert api.post("/v1/items", json={"key": "x", "kind": "BAD"}).status_code == 422
    assert entries(api) == []


def test_only_admins_read_the_audit_log(api: Api) -> None:
    writer = api.post("/v1/keys", json={"name": "w", "scopes": ["config:write"]}, expect=201)
    response = api.client.get(
        "/v1/audit", headers={"Authorization": f"Bearer {writer.json()['secret']}"}
    )
    assert response.status_code == 403


def test_the_log_pages_newest_first(api: Api) -> None:
    for index in range(5):
        api.item(f"item-{index}", "thing")
    first = api.get("/v1/audit", params={"limit": 2}, expect=200).json()
    assert [e["target_id"] for e in first["data"]] == ["item-4", "item-3"]
    second = api.get(
        "/v1/audit", params={"limit": 2, "cursor": first["next_cursor"]}, expect=200
    ).json()
    assert [e["target_id"] for e in second["data"]] == ["item-2", "item-1"]
