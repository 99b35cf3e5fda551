"""Group commit of single events: what concurrent requests of one process send while an
append is under way is appended together, in one transaction with one dispatch.

A request for one event costs a trip to the thread pool, a transaction with its look-ups
and a wake-up of processing; under load most of that was paid again for every event.
Here the first request starts an append at once (no added wait when the server is idle);
requests arriving meanwhile queue up and go together in the next one. Each request still
gets its own answer: its event's result and status, as `submit` gives them one by one.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool

from questline.processing.ingest import Ingested, NewEvent
from questline.processing.submission import EventStatus
from questline.storage.database import unavailable

Submit = Callable[[int, Sequence[NewEvent]], tuple[list[Ingested], dict[int, EventStatus]]]
Outcome = tuple[Ingested, EventStatus | None]

MAX_GROUP = 500  # events per transaction: beyond this the group's latency grows, not throughput


@dataclass
class _Waiting:
    app_id: int
    event: NewEvent
    answer: asyncio.Future[Outcome]


@dataclass
class _Queue:
    waiting: list[_Waiting] = field(default_factory=list)
    appending: asyncio.Task[None] | None = None  # held: the loop keeps only a weak reference


class EventGroups:
    """Per event loop (a server process has one; each test client has its own)."""

    def __init__(self, submit: Submit, *, max_group: int = MAX_GROUP) -> None:
        self._submit = submit
        self._max_group = max_group
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = (
            weakref.WeakKeyDictionary()
        )

    async def submit(self, app_id: int, event: NewEvent) -> Outcome:
        loop = asyncio.get_running_loop()
        queue = self._queues.setdefault(loop, _Queue())
        answer: asyncio.Future[Outcome] = loop.create_future()
        queue.waiting.append(_Waiting(app_id, event, answer))
        if queue.appending is None:
            queue.appending = loop.create_task(self._append_while_waiting(queue))
        return await answer

    async def _append_while_waiting(self, queue: _Queue) -> None:
        group: list[_Waiting] = []
        try:
            while queue.waiting:
                group = queue.waiting[: self._max_group]
                del queue.waiting[: self._max_group]
                # One trip to the thread pool for the whole group; the answers are set
                # back here, on the loop, where the requests wait for them.
                outcomes = await run_in_threadpool(self._append, group)
                for waiting, outcome in zip(group, outcomes, strict=True):
                    if waiting.answer.done():  # its request was cancelled (time limit)
                        continue
                    if isinstance(outcome, BaseException):
                        waiting.answer.set_exception(outcome)
                    else:
                        waiting.answer.set_result(outcome)
        finally:
            queue.appending = None
            for waiting in [*group, *queue.waiting]:  # left only if this task was cancelled
                if not waiting.answer.done():
                    waiting.answer.cancel()
            queue.waiting.clear()

    def _append(self, group: Sequence[_Waiting]) -> list[Outcome | BaseException]:
        """Runs in a worker thread: one transaction per app in the group."""
        by_app: dict[int, list[int]] = {}
        for index, waiting in enumerate(group):
            by_app.setdefault(waiting.app_id, []).append(index)
        outcomes: dict[int, Outcome | BaseException] = {}
        for app_id, indexes in by_app.items():
            appended = self._append_app(app_id, group, indexes)
            outcomes.update(zip(indexes, appended, strict=True))
        return [outcomes[index] for index in range(len(group))]

    def _append_app(
        self, app_id: int, group: Sequence[_Waiting], indexes: list[int]
    ) -> list[Outcome | BaseException]:
        try:
            results, found = self._submit(app_id, [group[i].event for i in indexes])
        except Exception as error:
            if len(indexes) == 1 or unavailable(error):
                return [error] * len(indexes)
            # Something in the group broke the whole transaction: no request may fail
            # for another's event, so each is tried on its own.
            return [
                outcome for index in indexes for outcome in self._append_app(app_id, group, [index])
            ]
        return [
            (result, found.get(result.seq) if result.seq is not None else None)
            for result in results
        ]
