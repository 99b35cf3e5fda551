"""Publishing a design with the dry run it was checked with: the reference is kept in
the version's history and the audit log, and a dry run that does not fit is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from questline.auth.policy import Scope
from questline.storage.apps import create_key, ensure_app
from tests.integration.conftest import Api
from tests.integration.test_dry_runs import current_design, dry_run, history


def publish(api: Api, document: dict[str, Any], **params: Any) -> Any:
    return api.request("PUT", "/v1/config", json=document, params=params)


def test_a_version_names_the_dry_run_it_was_checked_with(api: Api) -> None:
    history(api)
    draft = current_design(api)
    draft["rules"][0]["award"]["xp"] = "2 * item.xp * clamp(event.score, 0, 100) / 100"
    checked = dry_run(api, design=draft)
    response = publish(api, draft, dry_run=checked["id"], comment="double xp")
    assert response.status_code == 201, response.text
    assert response.json()["dry_run"] == checked["id"]
    newest, older = api.get("/v1/config/versions", expect=200).json()["data"][:2]
    assert (newest["dry_run"], older["dry_run"]) == (checked["id"], None)
    entry = api.get("/v1/audit", params={"target_type": "config"}, expect=200).json()["data"][0]
    assert (entry["action"], entry["after"]["dry_run"]) == ("config.publish", checked["id"])


def test_asking_for_a_dry_run_and_publishing_with_it_are_audited(api: Api) -> None:
    history(api)
    draft = current_design(api)
    checked = dry_run(api, design=draft, players=["ada", "bo"])
    [entry] = api.get("/v1/audit", params={"action": "config.dry_run"}, expect=200).json()["data"]
    assert (entry["actor"], entry["target_type"], entry["target_id"]) == (
        "key:bootstrap",
        "dry_run",
        str(checked["id"]),
    )
    assert entry["after"] == {"since": None, "players": 2, "document": draft}
    assert '"ada"' not in json.dumps(entry)  # the sample is counted: erasure leaves no name
    bad = dict(draft, rules=[{"id": "x", "on": "a", "award": {"gold": 1}}])
    api.post("/v1/config/dry-runs", json={"design": bad}, expect=422)
    publish(api, draft, dry_run=checked["id"])
    entries = api.get("/v1/audit", params={"target_type": "dry_run"}, expect=200).json()["data"]
    assert entries == [entry]  # the refused draft left none
    published = api.get("/v1/audit", params={"action": "config.publish"}, expect=200).json()
    assert published["data"][0]["after"]["dry_run"] == checked["id"]


def test_a_dry_run_of_another_document_unfinished_or_unknown_is_refused(api: Api) -> None:
    history(api)
    draft = current_design(api)
    checked = dry_run(api, design=draft)
    versions = api.get("/v1/config/versions", expect=200).json()["data"]
    other = dict(draft, name="something else")
    refused = publish(api, other, dry_run=checked["id"])
    assert refused.status_code == 409
    assert refused.json()["code"] == "dry_run_other_design"
    assert publish(api, draft, dry_run=999).json()["code"] == "dry_run_unknown"
    pending = api.post("/v1/config/dry-runs", json={"design": draft}, expect=202).json()
    # The run is pending until its thread starts; it may already have finished here.
    answer = publish(api, draft, dry_run=pending["id"])
    api.client.app.state.questline.dry_runs.wait()  # type: ignore[attr-defined]
    if answer.status_code == 409:
        assert answer.json()["code"] == "dry_run_not_finished"
        assert "publish once it has finished" in answer.json()["detail"]
        assert api.get("/v1/config/versions", expect=200).json()["data"] == versions
    else:
        assert answer.status_code == 201


def test_another_apps_dry_run_is_refused(api: Api) -> None:
    history(api)
    draft = current_design(api)
    database = api.client.app.state.questline.database  # type: ignore[attr-defined]
    with database.transaction() as session:
        _, secret = create_key(
            session, ensure_app(session, "other"), name="o", scopes=[Scope.ADMIN.value]
        )
    theirs = api.client.post(
        "/v1/config/dry-runs",
        json={"design": draft},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert theirs.status_code == 202
    api.client.app.state.questline.dry_runs.wait()  # type: ignore[attr-defined]
    refused = publish(api, draft, dry_run=theirs.json()["id"])
    assert (refused.status_code, refused.json()["code"]) == (409, "dry_run_unknown")


@pytest.mark.parametrize("value", ["0", "x", "-1"])
def test_a_malformed_dry_run_reference_is_a_422(api: Api, value: str) -> None:
    history(api)
    assert publish(api, current_design(api), dry_run=value).status_code == 422
