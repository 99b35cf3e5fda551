"""Game designs: validate, publish immutable versions, read history, roll back."""

from __future__ import annotations

import threading

import pytest

from questline.processing.designs import DesignCache
from questline.storage import configs
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from questline.yamlfile import load_yaml
from tests.integration.conftest import Api

V1 = """
currencies: {xp: {}}
rules: [{id: r, on: did, award: {xp: 10}}]
"""
V2 = """
currencies: {xp: {}}
rules: [{id: r, on: did, award: {xp: 20}}]
"""


def test_each_publish_is_a_new_version_and_events_use_the_current_one(api: Api) -> None:
    assert api.publish(V1)["version"] == 1
    first = api.event("p", "did")
    assert api.publish(V2)["version"] == 2
    second = api.event("p", "did")
    assert [
        e["breakdown"]["config_version"]
        for e in first["effects"] + second["effects"]
        if e["kind"] == "currency_awarded"
    ] == [1, 2]
    ledger = api.get("/v1/players/p/ledger").json()["data"]
    assert [(e["amount"], e["config_version"]) for e in ledger] == [(20, 2), (10, 1)]


# SQLite reads from one snapshot per transaction anyway; PostgreSQL reads what was
# committed by the time of each statement.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_transaction_keeps_the_design_it_first_read_and_the_next_sees_a_new_one(
    database_url: str,
) -> None:
    # A batch's boards and leagues move by the design its events were scored with.
    database = Database(database_url)
    try:
        with database.transaction() as session:
            app_id = ensure_app(session).id
            configs.publish(
                session, app_id, load_yaml(V1), source=None, comment=None, created_by=None
            )
        designs = DesignCache()
        with database.transaction() as batch:
            scored_with = designs.current(batch, {app_id})[app_id].version
            with database.transaction() as other:  # a publish meanwhile
                configs.publish(
                    other, app_id, load_yaml(V2), source=None, comment=None, created_by=None
                )
            projected_with = designs.current(batch, {app_id})[app_id].version
        with database.transaction() as next_batch:
            next_with = designs.current(next_batch, {app_id})[app_id].version
    finally:
        database.dispose()
    assert (scored_with, projected_with, next_with) == (1, 1, 2)


def test_designs_published_at_once_each_get_a_version_of_their_own(api: Api) -> None:
    publishers = 8
    start = threading.Barrier(publishers)
    statuses: list[int] = []

    def publish(n: int) -> None:
        start.wait()
        response = api.request(
            "PUT",
            "/v1/config",
            params={"comment": f"publisher {n}"},
            content=V1.encode(),
            headers={"Content-Type": "application/yaml"},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(publishers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * publishers
    versions = api.get("/v1/config/versions", expect=200).json()["data"]
    assert sorted(version["version"] for version in versions) == list(range(1, publishers + 1))


def test_versions_are_listed_newest_first_and_readable_one_by_one(api: Api) -> None:
    api.publish(V1)
    api.publish(V2)
    listed = api.get("/v1/config/versions", expect=200).json()
    assert [v["version"] for v in listed["data"]] == [2, 1]
    assert api.get("/v1/config/versions/1", expect=200).json()["document"]["rules"][0]["award"] == {
        "xp": 10
    }
    assert api.get("/v1/config", expect=200).json()["version"] == 2
    api.get("/v1/config/versions/9", expect=404)


def test_rollback_publishes_the_earlier_document_as_a_new_version(api: Api) -> None:
    api.publish(V1)
    api.publish(V2)
    rolled = api.post("/v1/config/rollback", json={"version": 1}, expect=201).json()
    assert rolled["version"] == 3
    assert rolled["comment"] == "rollback to version 1"
    assert api.event("p", "did")["effects"][1]["amount"] == 10


def test_validate_checks_without_publishing(api: Api) -> None:
    ok = api.post(
        "/v1/config/validate",
        content=V1.encode(),
        headers={"Content-Type": "application/yaml"},
        expect=200,
    ).json()
    assert ok == {
        "valid": True,
        "currencies": ["xp"],
        "metrics": [],
        "rules": ["r"],
        "current_version": None,
        "diff": None,
    }
    api.get("/v1/config", expect=404)
    bad = api.post(
        "/v1/config/validate",
        content=b'{"currencies": {"xp": {"levels": {"formula": "floor(total"}}}}',
        headers={"Content-Type": "application/json"},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["currencies", "xp", "levels", "formula"]


def test_json_designs_are_accepted_too(api: Api) -> None:
    response = api.request(
        "PUT", "/v1/config", json={"currencies": {"xp": {}}, "rules": []}, expect=201
    )
    assert response.json()["document"] == {"currencies": {"xp": {}}, "rules": []}


def test_unknown_design_fields_are_rejected_with_their_path(api: Api) -> None:
    response = api.request("PUT", "/v1/config", json={"currencies": {"xp": {"colour": "red"}}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["currencies", "xp", "colour"]


def test_a_key_given_twice_in_yaml_is_an_error_not_a_silent_overwrite(api: Api) -> None:
    response = api.request(
        "PUT",
        "/v1/config",
        content=b"currencies:\n  xp: {}\n  xp: {max: 5}\n",
        headers={"Content-Type": "application/yaml"},
    )
    assert response.status_code == 400
    assert "duplicate key 'xp'" in response.json()["detail"]


def test_on_is_an_event_type_not_a_yaml_boolean(api: Api) -> None:
    published = api.publish(
        "currencies: {xp: {}}\nrules:\n  - id: r\n    on: did\n    award: {xp: 1}\n"
    )
    assert published["document"]["rules"][0]["on"] == "did"
