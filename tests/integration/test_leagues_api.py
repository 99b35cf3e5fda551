"""Weekly leagues over HTTP, with the language blueprint: groups form as players earn,
and the rollover settles each group once — even if it runs twice or crashes halfway."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from questline.api.http.effect_schemas import EFFECT
from questline.engine import leagues as league_engine
from questline.engine.leagues import League, league_week
from questline.leagues.rollover import rollover_leagues
from tests.integration.conftest import Api

LANGUAGE = League.model_validate(
    {
        "rank_by": "currency.xp",
        "tiers": [
            {"name": "bronze", "promote": 10, "demote": 0},
            {"name": "silver", "promote": 7, "demote": 5},
            {"name": "gold", "promote": 7, "demote": 5},
            {"name": "platinum", "promote": 5, "demote": 5},
            {"name": "diamond", "promote": 0, "demote": 5},
        ],
    }
)


def _lesson(api: Api, player: str, xp: int, at: datetime | None = None) -> None:
    body: dict[str, Any] = {"type": "lesson.completed", "player": player, "properties": {"xp": xp}}
    if at is not None:
        body["time"] = at.isoformat()
    api.post("/v1/events", params={"wait": "true"}, json=body, expect=202)


def _league(api: Api, player: str) -> dict[str, Any]:
    return dict(api.get(f"/v1/players/{player}/league", expect=200).json())


def _rollover(api: Api, now: datetime, **kwargs: Any) -> list[Any]:
    context = api.client.app.state.questline  # type: ignore[attr-defined]
    return rollover_leagues(context.database, context.designs, now, **kwargs)


def _week_end() -> datetime:
    return league_week(LANGUAGE, datetime.now(UTC)).ends_at


def test_players_join_groups_of_30_in_bronze_as_they_first_earn(api: Api) -> None:
    api.publish_blueprint("language")
    for n in range(35):
        _lesson(api, f"p{n:02d}", 100 + n)
    first, last = _league(api, "p00"), _league(api, "p34")
    assert first["tier"] == "bronze"
    assert first["members"] == 30
    assert last["members"] == 5
    assert first["group"] != last["group"]
    assert (first["rank"], first["score"], first["promote"], first["demote"]) == (30, 100, 10, 0)
    group = api.get(f"/v1/leagues/bronze/groups/{last['group']}", expect=200).json()
    assert [m["player"] for m in group["members"]] == ["p34", "p33", "p32", "p31", "p30"]
    assert group["final"] is False
    api.get(f"/v1/leagues/silver/groups/{last['group']}", expect=404)
    assert "bronze, silver" in api.get("/v1/leagues/wood/groups/1", expect=404).json()["detail"]


def test_the_rollover_promotes_the_top_10_of_bronze_once(api: Api) -> None:
    api.publish_blueprint("language")
    for n in range(30):
        _lesson(api, f"p{n:02d}", 100 + n)
    outcomes = _rollover(api, _week_end())
    promoted = sorted(o.player for o in outcomes if o.kind == "league_promoted")
    assert promoted == [f"p{n:02d}" for n in range(20, 30)]
    assert {o.kind for o in outcomes} == {"league_promoted", "league_stayed"}  # bronze demotes none
    assert _rollover(api, _week_end()) == []  # a second run finds nothing left to do
    assert _rollover(api, _week_end() + timedelta(days=1)) == []
    winner = _league(api, "p29")
    assert winner["tier"] == "silver"
    assert winner["last_result"]["outcome"] == "promoted"
    assert winner["last_result"]["rank"] == 1
    assert _league(api, "p00")["tier"] == "bronze"
    group = api.get(f"/v1/leagues/bronze/groups/{_group_of(api, 'p00')}", expect=200).json()
    assert group["final"] is True
    assert group["members"][0] == {
        "player": "p29",
        "display_name": None,
        "avatar_url": None,
        "score": 129,
        "rank": 1,
        "outcome": "promoted",
    }


def _group_of(api: Api, player: str) -> int:
    context = api.client.app.state.questline  # type: ignore[attr-defined]
    with context.database.reader() as session:
        return int(
            session.execute(
                text(
                    "SELECT e.group_id FROM league_entries e JOIN players p ON p.id = e.player_id"
                    " WHERE p.external_id = :p"
                ),
                {"p": player},
            ).scalar_one()
        )


def test_a_rollover_that_crashes_halfway_settles_the_rest_next_time(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.publish_blueprint("language")
    for n in range(40):  # two groups: 30 and 10
        _lesson(api, f"p{n:02d}", 100 + n)
    real = league_engine.settle_group
    calls = {"n": 0}

    def crash_on_the_second_group(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the process died here")
        return real(*args, **kwargs)

    monkeypatch.setattr("questline.leagues.rollover.settle_group", crash_on_the_second_group)
    with pytest.raises(RuntimeError):
        _rollover(api, _week_end())
    monkeypatch.setattr("questline.leagues.rollover.settle_group", real)
    assert _league(api, "p29")["tier"] == "silver"  # the first group settled
    assert _league(api, "p39")["tier"] == "bronze"  # the second did not
    rest = _rollover(api, _week_end())
    assert sorted(o.player for o in rest) == [f"p{n:02d}" for n in range(30, 40)]
    assert _league(api, "p39")["tier"] == "silver"
    assert _rollover(api, _week_end()) == []


def test_a_small_silver_group_promotes_7_demotes_the_rest_and_early_starts_move_up(
    api: Api,
) -> None:
    api.publish_blueprint("language")
    this_week_end = _week_end()
    for n in range(30):
        _lesson(api, f"p{n:02d}", 100 + n)
    # p29 starts next week before this week is rolled over: in a bronze group for now.
    _lesson(api, "p29", 5, this_week_end + timedelta(hours=1))
    _rollover(api, this_week_end)
    # p29 was promoted; their next-week entry moved to silver with its score.
    after = api.get("/v1/players/p29/league", expect=200).json()
    assert after["tier"] == "silver"
    next_week_groups = _group_of_week(api, "p29")
    group = api.get(f"/v1/leagues/silver/groups/{next_week_groups}", expect=200).json()
    assert group["members"] == [
        {
            "player": "p29",
            "display_name": None,
            "avatar_url": None,
            "score": 5,
            "rank": 1,
            "outcome": None,
        }
    ]

    # Next week the ten promoted play in one silver group. Silver promotes 7 and demotes
    # 5, but a group of 10 has only 3 left below the promoted: nobody is both.
    for n in range(20, 29):
        _lesson(api, f"p{n:02d}", n, this_week_end + timedelta(hours=2))
    outcomes = _rollover(api, this_week_end + timedelta(days=7))
    silver = [(o.player, o.kind, o.to_tier) for o in outcomes if o.from_tier == "silver"]
    assert silver == [
        *((f"p{n}", "league_promoted", "gold") for n in range(28, 21, -1)),
        ("p21", "league_demoted", "bronze"),
        ("p20", "league_demoted", "bronze"),
        ("p29", "league_demoted", "bronze"),
    ]


def _group_of_week(api: Api, player: str) -> int:
    context = api.client.app.state.questline  # type: ignore[attr-defined]
    with context.database.reader() as session:
        return int(
            session.execute(
                text(
                    "SELECT e.group_id FROM league_entries e JOIN players p ON p.id = e.player_id"
                    " WHERE p.external_id = :p ORDER BY e.week DESC LIMIT 1"
                ),
                {"p": player},
            ).scalar_one()
        )


def test_a_design_without_a_league_has_no_league_to_show(api: Api) -> None:
    api.publish_blueprint("skillquest")
    api.item("basics", "challenge", xp=100, pass_score=70)
    api.event("ada", "attempt.submitted", item="basics", score=85)
    assert api.get("/v1/players/ada/league", expect=404).json()["detail"] == (
        "the game design has no league"
    )


def test_points_of_a_week_that_is_over_count_until_its_rollover(api: Api) -> None:
    api.publish_blueprint("language")
    _lesson(api, "ada", 10)
    _lesson(api, "bob", 20)
    week_end = _week_end()
    last_second = week_end - timedelta(seconds=1)
    worker = api.client.app.state.questline.worker  # type: ignore[attr-defined]
    worker.leagues.clock = lambda: week_end + timedelta(minutes=1)  # processed after midnight
    _lesson(api, "ada", 15, last_second)  # counts: the week is not settled yet
    _lesson(api, "cy", 5, last_second)  # and still takes newcomers
    _lesson(api, "dee", 5, week_end - timedelta(days=14))  # a week nobody played: no group
    outcomes = _rollover(api, week_end)
    assert [(o.player, o.rank) for o in outcomes] == [("ada", 1), ("bob", 2), ("cy", 3)]
    # Once settled, the week neither counts nor takes anyone in.
    _lesson(api, "ada", 100, last_second)
    _lesson(api, "eve", 5, last_second)
    group = api.get(f"/v1/leagues/bronze/groups/{_group_of(api, 'ada')}", expect=200).json()
    assert [(m["player"], m["score"]) for m in group["members"]] == [
        ("ada", 25),
        ("bob", 20),
        ("cy", 5),
    ]
    assert _league(api, "eve")["group"] is None
    context = api.client.app.state.questline  # type: ignore[attr-defined]
    with context.database.reader() as session:
        weeks = session.execute(text("SELECT DISTINCT week FROM league_groups")).scalars().all()
    assert weeks == [league_week(LANGUAGE, last_second).key]  # none for dee's old week


def _sent(api: Api, key: str, player: str, xp: int, at: datetime) -> list[dict[str, Any]]:
    """The effects of a lesson, as the answer to sending it gives them."""
    body = {
        "id": key,
        "type": "lesson.completed",
        "player": player,
        "time": at.isoformat(),
        "properties": {"xp": xp},
    }
    answer = api.post("/v1/events", params={"wait": "true"}, json=body, expect=202).json()
    assert answer["status"] == "processed", answer
    effects: list[dict[str, Any]] = answer["effects"]
    return effects


def _skipped(effects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in effects if e["kind"] == "league_skipped"]


def test_an_event_no_league_counts_says_why(api: Api) -> None:
    api.publish_blueprint("language")
    now = datetime.now(UTC)
    week_end = _week_end()
    last_second = week_end - timedelta(seconds=1)
    old = week_end - timedelta(days=14)
    # This week's lesson counts in the league, and its effects say nothing of it.
    assert _skipped(_sent(api, "ada-now", "ada", 10, now)) == []
    # A lesson dated in a week nobody played is in no league: its event says which week.
    dee = _sent(api, "dee-old", "dee", 5, old)
    assert _skipped(dee) == [
        {
            "kind": "league_skipped",
            "week": league_week(LANGUAGE, old).key,
            "currency": "xp",
            "amount": 5,
            "reason": f"league week {league_week(LANGUAGE, old).key} is over and nobody"
            " played in it",
        }
    ]
    EFFECT.validate_python(_skipped(dee)[0])  # as the OpenAPI schema describes it
    # Its award still went to the balance: only the league left it out.
    assert any(e["kind"] == "currency_awarded" and e["amount"] == 5 for e in dee)
    assert api.player("dee")["currencies"]["xp"]["balance"] == 5

    # Once this week is settled, a late lesson of a member or a newcomer counts in none.
    worker = api.client.app.state.questline.worker  # type: ignore[attr-defined]
    worker.leagues.clock = lambda: week_end + timedelta(minutes=1)
    _rollover(api, week_end)
    week = league_week(LANGUAGE, last_second).key
    settled = f"league week {week} was settled at its rollover before this event was processed"
    for player in ("ada", "eve"):
        late = _skipped(_sent(api, f"{player}-late", player, 100, last_second))
        assert [(e["week"], e["amount"], e["reason"]) for e in late] == [(week, 100, settled)]
    # The event, read again, says the same; the player is told nothing of it.
    stored = api.get("/v1/events/ada-late", expect=200).json()["effects"]
    assert [e["reason"] for e in _skipped(stored)] == [settled]
    inbox = api.get("/v1/players/ada/notifications", expect=200).json()["data"]
    assert all("league" not in n["kind"] for n in inbox)
    assert [m["score"] for m in _group(api, "ada")["members"]] == [10]


def _group(api: Api, player: str) -> dict[str, Any]:
    group = _league(api, player)["group"]
    return dict(api.get(f"/v1/leagues/bronze/groups/{group}", expect=200).json())
