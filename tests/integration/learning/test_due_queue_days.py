"""The queue's day is the player's local calendar day, including the 23- and 25-hour days
of a daylight-saving change. The queue is read at a chosen instant (the service, on the
real databases); everything else goes over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from questline.learning.review_schemas import DueQueueOut
from questline.learning.reviews import due_queue
from questline.learning.settings import LearningSettings
from tests.integration.conftest import default_app_id
from tests.integration.learning.conftest import GREETINGS, LearningApi, course

NEW_YORK = "America/New_York"


def queue_at(client: TestClient, player: str, at: datetime) -> DueQueueOut:
    context = client.app.state.questline  # type: ignore[attr-defined]
    with context.database.reader() as session:
        found = due_queue(session, default_app_id(context), player, 20, LearningSettings(), at)
    return DueQueueOut.of(found)


def forget(learning: LearningApi, player: str, card: str, due: datetime) -> None:
    """Make the card due at `due`: forgotten ("again") a minute before."""
    learning.review(
        player, card=card, rating=1, reviewed_at=(due - timedelta(minutes=1)).isoformat()
    )


def new_yorker(learning: LearningApi, player: str) -> None:
    learning.post(
        "/v1/events",
        json={"type": "joined", "player": player, "profile": {"time_zone": NEW_YORK}},
        expect=202,
    )
    learning.pass_lesson(player, "greetings", GREETINGS)
    learning.pass_lesson(player, "family", {"q1": "madre"})


def test_on_the_23_hour_day_the_queue_ends_at_the_next_local_midnight(
    learning: LearningApi,
) -> None:
    learning.import_course(course())
    learning.request("PUT", "/v1/learning/settings", json={"fuzz": False}, expect=200)
    new_yorker(learning, "ny")
    # 2025-03-09, New York: clocks spring forward; the day runs 05:00Z to 04:00Z.
    forget(learning, "ny", "hola", datetime(2025, 3, 10, 3, 30, tzinfo=UTC))  # 23:30 EDT
    forget(learning, "ny", "adios", datetime(2025, 3, 10, 4, 30, tzinfo=UTC))  # 00:30 next day
    queue = queue_at(learning.client, "ny", datetime(2025, 3, 9, 15, tzinfo=UTC))
    assert queue.date == "2025-03-09"
    due = [(c.card, c.due_local) for c in queue.data if not c.new]
    # 24 hours after midnight would reach 01:00 the next day and take adios in too.
    assert due == [("hola", "2025-03-09T23:30:00-04:00")]
    assert queue.due_today == 1
    tomorrow = queue_at(learning.client, "ny", datetime(2025, 3, 10, 15, tzinfo=UTC))
    assert [c.card for c in tomorrow.data if not c.new] == ["hola", "adios"]


def test_on_the_25_hour_day_the_queue_and_the_new_card_limit_use_the_whole_day(
    learning: LearningApi,
) -> None:
    learning.import_course(course())
    learning.request(
        "PUT", "/v1/learning/settings", json={"fuzz": False, "new_cards_per_day": 1}, expect=200
    )
    new_yorker(learning, "ny")
    # 2025-11-02, New York: clocks fall back; the day runs 04:00Z to 05:00Z.
    forget(learning, "ny", "hola", datetime(2025, 11, 3, 4, 30, tzinfo=UTC))  # 23:30 EST
    forget(learning, "ny", "adios", datetime(2025, 11, 3, 5, 30, tzinfo=UTC))  # 00:30 next day
    queue = queue_at(learning.client, "ny", datetime(2025, 11, 2, 12, tzinfo=UTC))
    assert queue.date == "2025-11-02"
    # 24 hours after midnight ends at 23:00 local and would leave hola out.
    assert [(c.card, c.due_local) for c in queue.data if not c.new] == [
        ("hola", "2025-11-02T23:30:00-05:00")
    ]
    # hola was first reviewed at 23:29 local on the 2nd: that day's one new card is spent,
    # so madre is not offered; 24-hour days would count it on the 3rd and offer madre.
    assert [c.card for c in queue.data if c.new] == []
    assert queue.new_today == 0
    next_day = queue_at(learning.client, "ny", datetime(2025, 11, 3, 20, tzinfo=UTC))
    # On the 3rd, adios (first seen at 00:29) spends that day's new card.
    assert [c.card for c in next_day.data] == ["hola", "adios"]
    day_after = queue_at(learning.client, "ny", datetime(2025, 11, 4, 20, tzinfo=UTC))
    assert [c.card for c in day_after.data if c.new] == ["madre"]
