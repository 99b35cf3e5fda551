"""Single events sent at once by concurrent requests are appended together, and each
request still gets the answer for its own event."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.exc import OperationalError

from questline.api.event_groups import EventGroups
from questline.errors import InvalidInput
from questline.processing.ingest import Ingested, NewEvent
from questline.processing.submission import EventStatus
from tests.support import aio

NOW = datetime(2026, 11, 21, tzinfo=UTC)


class Log:
    """Appends like `submit` does (one result per event, a repeated key is a replay),
    and records each call; `hold` keeps the first call open until released."""

    def __init__(self, *, hold: bool = False) -> None:
        self.calls: list[tuple[int, list[str]]] = []
        self.keys: dict[str, int] = {}
        self.release = threading.Event()
        self.entered = threading.Event()
        if not hold:
            self.release.set()

    def __call__(
        self, app_id: int, events: Sequence[NewEvent]
    ) -> tuple[list[Ingested], dict[int, EventStatus]]:
        self.calls.append((app_id, [e.player for e in events]))
        self.entered.set()
        self.release.wait(5)
        if any(e.type == "poison" for e in events):
            raise ValueError("this event breaks the transaction")
        if any(e.type == "outage" for e in events):
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        results, found = [], {}
        for event in events:
            assert event.key is not None
            duplicate = event.key in self.keys
            seq = self.keys.setdefault(event.key, len(self.keys) + 1)
            results.append(Ingested(event.key, NOW, seq, 1, duplicate))
            found[seq] = EventStatus("pending", NOW, None, None)
        return results, found


def event(player: str, key: str, type_: str = "lesson.completed") -> NewEvent:
    return NewEvent(type=type_, player=player, key=key)


async def send_while_first_is_held(
    groups: EventGroups, log: Log, events: list[tuple[int, NewEvent]]
) -> list[object]:
    """The first event starts an append; the others arrive while it is under way."""
    first = asyncio.ensure_future(groups.submit(*events[0]))
    await asyncio.to_thread(log.entered.wait, 5)
    rest = [asyncio.ensure_future(groups.submit(app, e)) for app, e in events[1:]]
    await asyncio.sleep(0)
    log.release.set()
    return await asyncio.gather(first, *rest, return_exceptions=True)


def test_an_idle_server_appends_a_single_event_at_once() -> None:
    log = Log()
    groups = EventGroups(log)

    result, state = aio.run(groups.submit(1, event("ada", "e1")))

    assert log.calls == [(1, ["ada"])]
    assert (result.key, result.duplicate, state and state.status) == ("e1", False, "pending")


def test_events_arriving_during_an_append_go_together_in_the_next_one() -> None:
    log = Log(hold=True)
    groups = EventGroups(log)
    sent = [(1, event(f"p{i}", f"e{i}")) for i in range(20)]

    outcomes = aio.run(send_while_first_is_held(groups, log, sent))

    assert log.calls == [(1, ["p0"]), (1, [f"p{i}" for i in range(1, 20)])]
    assert [o[0].key for o in outcomes] == [f"e{i}" for i in range(20)]  # type: ignore[index]


def test_the_same_id_sent_twice_at_once_is_appended_once_and_the_second_is_a_replay() -> None:
    log = Log(hold=True)
    groups = EventGroups(log)
    sent = [(1, event("ada", "e0")), (1, event("bo", "same")), (1, event("bo", "same"))]

    outcomes = aio.run(send_while_first_is_held(groups, log, sent))

    duplicates = [o[0].duplicate for o in outcomes]  # type: ignore[index]
    seqs = [o[0].seq for o in outcomes]  # type: ignore[index]
    assert duplicates == [False, False, True]
    assert seqs[1] == seqs[2]


def test_each_app_gets_a_transaction_of_its_own() -> None:
    log = Log(hold=True)
    groups = EventGroups(log)
    sent = [(1, event("ada", "a0")), (2, event("bo", "b1")), (1, event("cy", "a1"))]

    aio.run(send_while_first_is_held(groups, log, sent))

    assert log.calls == [(1, ["ada"]), (2, ["bo"]), (1, ["cy"])]


def test_a_group_is_capped_and_the_rest_follows_in_the_next_append() -> None:
    log = Log(hold=True)
    groups = EventGroups(log, max_group=3)
    sent = [(1, event(f"p{i}", f"e{i}")) for i in range(8)]

    aio.run(send_while_first_is_held(groups, log, sent))

    assert [len(players) for _, players in log.calls] == [1, 3, 3, 1]


def test_an_event_that_breaks_its_groups_transaction_fails_only_its_own_request() -> None:
    log = Log(hold=True)
    groups = EventGroups(log)
    sent = [
        (1, event("ada", "e0")),
        (1, event("bo", "e1")),
        (1, event("cy", "bad", "poison")),
        (1, event("dee", "e2")),
    ]

    outcomes = aio.run(send_while_first_is_held(groups, log, sent))

    assert isinstance(outcomes[2], ValueError)
    assert [o[0].key for i, o in enumerate(outcomes) if i != 2] == ["e0", "e1", "e2"]  # type: ignore[index]
    # the group, then each of its events alone
    assert log.calls[1:] == [(1, ["bo", "cy", "dee"]), (1, ["bo"]), (1, ["cy"]), (1, ["dee"])]


def test_when_the_database_is_down_the_whole_group_fails_without_retrying_each() -> None:
    log = Log(hold=True)
    groups = EventGroups(log)
    sent = [(1, event("ada", "e0")), *[(1, event(f"p{i}", f"e{i}", "outage")) for i in (1, 2)]]

    outcomes = aio.run(send_while_first_is_held(groups, log, sent))

    assert [type(o) for o in outcomes[1:]] == [OperationalError, OperationalError]
    assert len(log.calls) == 2


def test_a_request_that_gives_up_leaves_the_others_their_answers() -> None:
    log = Log(hold=True)
    groups = EventGroups(log)

    async def scenario() -> list[object]:
        first = asyncio.ensure_future(groups.submit(1, event("ada", "e0")))
        await asyncio.to_thread(log.entered.wait, 5)
        impatient = asyncio.ensure_future(groups.submit(1, event("bo", "e1")))
        patient = asyncio.ensure_future(groups.submit(1, event("cy", "e2")))
        await asyncio.sleep(0)
        impatient.cancel()  # as the request time limit does
        log.release.set()
        return list(await asyncio.gather(first, impatient, patient, return_exceptions=True))

    outcomes = aio.run(scenario())

    assert isinstance(outcomes[1], asyncio.CancelledError)
    assert outcomes[2][0].key == "e2"  # type: ignore[index]


def test_a_rejected_event_is_that_requests_answer_not_an_error_of_the_group() -> None:
    def submit(
        app_id: int, events: Sequence[NewEvent]
    ) -> tuple[list[Ingested], dict[int, EventStatus]]:
        results = [
            Ingested(e.key, NOW, error=InvalidInput("unknown item"))
            if e.item
            else Ingested(e.key, NOW, 1, 1)
            for e in events
        ]
        return results, {1: EventStatus("pending", NOW, None, None)}

    groups = EventGroups(submit)

    async def both() -> list[tuple[Ingested, EventStatus | None]]:
        return list(
            await asyncio.gather(
                groups.submit(1, NewEvent("t", "ada", "e0")),
                groups.submit(1, NewEvent("t", "bo", "e1", item="nope")),
            )
        )

    good, bad = aio.run(both())
    assert good[0].error is None
    assert good[1] is not None
    assert isinstance(bad[0].error, InvalidInput)
    assert bad[1] is None


def test_a_second_event_loop_is_served_too() -> None:
    log = Log()
    groups = EventGroups(log)  # as when a process runs one test client after another
    for index in range(2):
        result, _ = aio.run(groups.submit(1, event("ada", f"e{index}")))
        assert result.key == f"e{index}"
