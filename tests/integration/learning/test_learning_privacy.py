"""What the learning module holds about a player is in their export, and goes when they
are erased."""

from __future__ import annotations

from tests.integration.learning.conftest import GREETINGS, LearningApi, course


def test_the_export_holds_the_players_learning_and_erasure_deletes_it(
    learning: LearningApi,
) -> None:
    learning.import_course(course())
    learning.pass_lesson("ada", "greetings", GREETINGS)
    learning.review("ada", id="r1", card="hola", rating=3)
    learning.pass_lesson("bo", "greetings", GREETINGS)
    exported = learning.get("/v1/players/ada/export", expect=200).json()["modules"]["learning"]
    assert [a["lesson"] for a in exported["attempts"]] == ["greetings"]
    assert [a["response"] for a in exported["answers"]] == ["hola", "adiós"]
    assert [(c["card"], c["state"]) for c in exported["cards"]] == [
        ("hola", "learning"),
        ("adios", "new"),
    ]
    assert [r["id"] for r in exported["reviews"]] == ["r1"]

    learning.request("DELETE", "/v1/players/ada", expect=204)

    learning.get("/v1/players/ada/reviews/due", expect=404)
    audit = learning.get("/v1/audit", expect=200).json()["data"]
    pseudonym = next(e["target_id"] for e in audit if e["action"] == "player.erase")
    erased = learning.get(f"/v1/players/{pseudonym}/export", expect=200).json()
    assert erased["modules"]["learning"] == {
        "attempts": [],
        "answers": [],
        "cards": [],
        "reviews": [],
    }
    # Other players keep theirs.
    kept = learning.get("/v1/players/bo/export", expect=200).json()["modules"]["learning"]
    assert len(kept["attempts"]) == 1
    assert len(kept["cards"]) == 2
