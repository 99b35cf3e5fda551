"""Diffs of game designs: between two published versions, and of a draft against the
current version when it is validated."""

from __future__ import annotations

from tests.integration.conftest import Api

V1 = """
currencies: {xp: {}}
rules: [{id: attempt-xp, on: attempt.submitted, award: {xp: 10}}]
achievements: [{id: thousand-club, when: "currency.xp >= 1000"}]
"""
V2 = """
currencies: {xp: {}}
rules: [{id: attempt-xp, on: attempt.submitted, award: {xp: 20}}]
achievements:
  - {id: thousand-club, when: "currency.xp >= 1000"}
  - {id: ten-passes, when: "currency.xp >= 100"}
"""


def test_two_versions_differ_by_section_and_key_and_as_text(api: Api) -> None:
    api.publish(V1)
    api.publish(V2)
    diff = api.get("/v1/config/versions/1/diff/2", expect=200).json()
    assert (diff["from_version"], diff["to_version"]) == (1, 2)
    assert [c["description"] for c in diff["changes"]] == [
        "rules 'attempt-xp': award.xp changed from 10 to 20",
        "achievements 'ten-passes' added",
    ]
    changed = diff["changes"][0]
    assert (changed["section"], changed["key"], changed["path"]) == (
        "rules",
        "attempt-xp",
        ["award", "xp"],
    )
    assert (changed["before"], changed["after"]) == (10, 20)
    assert diff["text"].startswith("--- version 1\n+++ version 2\n")
    assert "-    xp: 10\n+    xp: 20\n" in diff["text"]

    backwards = api.get("/v1/config/versions/2/diff/1", expect=200).json()
    assert [c["change"] for c in backwards["changes"]] == ["changed", "removed"]
    same = api.get("/v1/config/versions/2/diff/2", expect=200).json()
    assert (same["changes"], same["text"]) == ([], "")


def test_a_diff_with_a_version_that_does_not_exist_is_not_found(api: Api) -> None:
    api.publish(V1)
    problem = api.get("/v1/config/versions/1/diff/7", expect=404).json()
    assert problem["detail"] == "there is no version 7"


def test_validating_a_draft_shows_what_publishing_it_would_change(api: Api) -> None:
    draft = {
        "currencies": {"xp": {}},
        "rules": [{"id": "attempt-xp", "on": "attempt.submitted", "award": {"xp": 10}}],
    }
    first = api.post("/v1/config/validate", json=draft, expect=200).json()
    assert (first["current_version"], first["diff"]) == (None, None)

    api.publish(V1)
    checked = api.post("/v1/config/validate", json=draft, expect=200).json()
    assert checked["current_version"] == 1
    assert [c["description"] for c in checked["diff"]["changes"]] == ["achievements removed"]
    assert checked["diff"]["text"].startswith("--- version 1\n+++ draft\n")
    assert api.get("/v1/config", expect=200).json()["version"] == 1
