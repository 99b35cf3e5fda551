"""SkillQuest over HTTP: XP = challenge XP × score / 100; level = ⌊√(XP/100)⌋ + 1."""

from __future__ import annotations

from tests.integration.conftest import Api


def _setup(api: Api) -> None:
    api.publish_blueprint("skillquest")
    for key, xp in {"basics": 100, "big": 299, "huge": 500, "giant": 700}.items():
        api.item(key, "challenge", xp=xp, pass_score=70)


def _xp(api: Api, player: str) -> dict[str, object]:
    return dict(api.player(player)["currencies"]["xp"])


def test_an_85_percent_attempt_at_a_100_xp_challenge_gives_85_xp(api: Api) -> None:
    _setup(api)
    result = api.event("ada", "attempt.submitted", item="basics", score=85)
    assert result["status"] == "processed"
    award = next(e for e in result["effects"] if e["kind"] == "currency_awarded")
    assert award["amount"] == 85
    assert award["breakdown"]["inputs"] == {"item.xp": 100, "event.score": 85}
    xp = _xp(api, "ada")
    assert xp["balance"] == 85
    assert xp["level"] == {
        "level": 1,
        "total": 85,
        "level_started_at": 0,
        "next_level_at": 100,
        "remaining": 15,
        "percent": 85.0,
    }


def test_levels_start_at_0_100_400_900_and_1600_xp(api: Api) -> None:
    _setup(api)
    steps = [
        ("basics", 99, 99, 1),
        ("basics", 1, 100, 2),
        ("big", 100, 399, 2),
        ("basics", 1, 400, 3),
        ("huge", 100, 900, 4),
        ("giant", 100, 1600, 5),
    ]
    for item, score, total, level in steps:
        result = api.event("ada", "attempt.submitted", item=item, score=score)
        reached = [e for e in result["effects"] if e["kind"] == "level_reached"]
        xp = _xp(api, "ada")
        assert xp["balance"] == total
        progress = xp["level"]
        assert isinstance(progress, dict)
        assert progress["level"] == level
        # The XP needed for the next level is level² × 100.
        assert progress["next_level_at"] == level**2 * 100
        if total in (100, 400, 900, 1600):
            assert reached == [
                {
                    "kind": "level_reached",
                    "currency": "xp",
                    "level": level,
                    "previous_level": level - 1,
                }
            ]
        else:
            assert reached == []


def test_a_new_player_is_unknown_until_their_first_event(api: Api) -> None:
    _setup(api)
    api.get("/v1/players/nobody", expect=404)
    api.event("nobody", "attempt.submitted", item="basics", score=0)
    assert _xp(api, "nobody")["level"] == {
        "level": 1,
        "total": 0,
        "level_started_at": 0,
        "next_level_at": 100,
        "remaining": 100,
        "percent": 0.0,
    }


def test_metrics_count_attempts_passes_and_active_days(api: Api) -> None:
    _setup(api)
    for score in (85, 40, 70):
        api.event("ada", "attempt.submitted", item="basics", score=score)
    metrics = api.player("ada")["metrics"]
    assert metrics["attempts"] == {"today": 3, "week": 3, "all": 3}
    assert metrics["passed"] == {"today": 2, "week": 2, "all": 2}
    assert metrics["active_days"] == {"today": 1, "week": 1, "all": 1}


def test_scores_above_100_are_capped_at_the_challenge_xp(api: Api) -> None:
    _setup(api)
    api.event("ada", "attempt.submitted", item="basics", score=250)
    assert _xp(api, "ada")["balance"] == 100
