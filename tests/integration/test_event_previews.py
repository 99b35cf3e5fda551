"""POST /v1/events/preview: what events would do for their players now, under the current
design or a draft — the same effects live processing gives, and nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Api
from tests.support.snapshot import database_rows

DESIGN = """
currencies:
  xp: {daily_cap: 25, levels: {thresholds: [0, 15, 40]}}
rules:
  - id: attempt-xp
    on: attempt.submitted
    award: {xp: "item.xp * event.score / 100"}
"""
DRAFT: dict[str, Any] = {
    "currencies": {"xp": {}},
    "rules": [{"id": "attempt-xp", "on": "attempt.submitted", "award": {"xp": "item.xp"}}],
}


def attempt(player: str, score: int = 100, **extra: Any) -> dict[str, Any]:
    return {
        "type": "attempt.submitted",
        "player": player,
        "item": "sql",
        "properties": {"score": score},
        **extra,
    }


@pytest.fixture
def game(api: Api) -> Api:
    api.publish(DESIGN)
    api.item("sql", "challenge", xp=10)
    api.event("ada", "attempt.submitted", item="sql", score=100)
    return api


def rows(api: Api) -> dict[str, list[str]]:
    return database_rows(api.client.app.state.questline.database)  # type: ignore[attr-defined]


def test_a_preview_answers_the_effects_the_event_then_has_and_records_nothing(game: Api) -> None:
    before = rows(game)
    preview = game.post("/v1/events/preview", json={"event": attempt("ada", 50)}, expect=200).json()
    assert rows(game) == before
    assert preview["config_version"] == 1
    [result] = preview["results"]
    assert result["status"] == "processed"
    awarded = [e for e in result["effects"] if e["kind"] == "currency_awarded"]
    assert [(e["amount"], e["balance_after"]) for e in awarded] == [(5, 15)]
    assert awarded[0]["breakdown"]["inputs"] == {"item.xp": 10, "event.score": 50}

    sent = game.event("ada", "attempt.submitted", item="sql", score=50)
    assert sent["effects"] == result["effects"]


def test_events_of_a_bulk_preview_each_see_what_the_ones_before_did(game: Api) -> None:
    preview = game.post(
        "/v1/events/preview", json={"events": [attempt("ada")] * 3}, expect=200
    ).json()
    amounts = [
        [e["amount"] for e in result["effects"] if e["kind"] == "currency_awarded"]
        for result in preview["results"]
    ]
    # 10 already earned today; the daily cap of 25 leaves room for 15.
    assert amounts == [[10], [5], [0]]
    assert game.player("ada")["currencies"]["xp"]["balance"] == 10


def test_a_draft_scores_instead_of_the_current_design_and_is_not_published(game: Api) -> None:
    before = rows(game)
    preview = game.post(
        "/v1/events/preview",
        json={"events": [attempt("ada", 50), attempt("bo", 50)], "design": DRAFT},
        expect=200,
    ).json()
    assert rows(game) == before
    assert preview["config_version"] is None
    assert [
        [(e["amount"], e["balance_after"]) for e in r["effects"] if e["kind"] == "currency_awarded"]
        for r in preview["results"]
    ] == [[(10, 20)], [(10, 10)]]
    assert game.get("/v1/config", expect=200).json()["version"] == 1


def test_an_unknown_player_starts_empty_and_is_not_created(game: Api) -> None:
    before = rows(game)
    preview = game.post(
        "/v1/events/preview",
        json={"events": [attempt("newcomer", profile={"time_zone": "Asia/Tokyo"})] * 2},
        expect=200,
    ).json()
    assert rows(game) == before
    effects = [
        effect
        for result in preview["results"]
        for effect in result["effects"]
        if effect["kind"] != "rule_fired"
    ]
    assert [(e["kind"], e.get("balance_after"), e.get("level")) for e in effects] == [
        ("currency_awarded", 10, None),
        ("currency_awarded", 20, None),
        ("level_reached", None, 2),
    ]
    game.get("/v1/players/newcomer", expect=404)


def test_a_bad_draft_is_refused_with_where_and_changes_nothing(game: Api) -> None:
    before = rows(game)
    bad = {"currencies": {"xp": {}}, "rules": [{"id": "r", "on": "x", "award": {"gold": 1}}]}
    problem = game.post(
        "/v1/events/preview", json={"event": attempt("newcomer"), "design": bad}, expect=422
    ).json()
    assert rows(game) == before
    assert problem["code"] == "invalid_design"
    assert all(error["loc"][0] == "design" for error in problem["errors"])
    assert ["design", "rules", 0, "award", "gold"] in [error["loc"] for error in problem["errors"]]


def test_an_event_the_design_cannot_score_or_the_log_would_refuse_is_said_so(game: Api) -> None:
    preview = game.post(
        "/v1/events/preview",
        json={
            "events": [
                {"type": "attempt.submitted", "player": "ada", "item": "sql"},
                attempt("ada") | {"item": "no-such-item"},
                attempt("ada"),
            ]
        },
        expect=200,
    ).json()
    failed, rejected, fine = preview["results"]
    assert failed["status"] == "failed"
    assert failed["effects"] == []
    assert failed["error"]["code"] == "processing_failed"
    assert "event.score" in failed["error"]["detail"]
    assert rejected["status"] == "rejected"
    assert rejected["error"]["errors"][0]["loc"] == ["events", 1, "item"]
    assert fine["status"] == "processed"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"event": attempt("ada"), "events": [attempt("ada")]},
        {"events": []},
        {"event": attempt("ada"), "dry": True},
        {"event": attempt("ada") | {"colour": "red"}},
    ],
    ids=["neither", "both", "empty-list", "unknown-field", "unknown-event-field"],
)
def test_a_body_that_is_not_one_event_or_a_list_is_refused(game: Api, body: Any) -> None:
    assert game.post("/v1/events/preview", json=body, expect=422).json()["code"] == "invalid_input"


def test_more_than_a_thousand_events_are_refused(game: Api) -> None:
    game.post("/v1/events/preview", json={"events": [attempt("ada")] * 1001}, expect=422)


def test_without_a_published_design_a_draft_is_needed(api: Api) -> None:
    problem = api.post(
        "/v1/events/preview", json={"event": {"type": "x", "player": "p"}}, expect=409
    ).json()
    assert "design" in problem["detail"]
    preview = api.post(
        "/v1/events/preview",
        json={"event": {"type": "x", "player": "p"}, "design": {"currencies": {"xp": {}}}},
        expect=200,
    ).json()
    assert preview["results"][0]["effects"] == []
