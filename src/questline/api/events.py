"""/v1/events: append what players did; read back what it caused."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response, status
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from questline.api.access import authorize, bearer, current_principal
from questline.api.event_schemas import (
    BatchIn,
    BatchResult,
    EventAccepted,
    EventIn,
    EventOut,
    event_out,
    failure,
    reported_effects,
)
from questline.api.http.context import Context
from questline.api.http.deps import (
    ContextDep,
    EventWriter,
    PlayerViewer,
    ReadSessionDep,
    get_context,
)
from questline.api.http.sessions import SessionRoute
from questline.auth.principals import Principal
from questline.errors import InvalidInput, NotFound
from questline.processing.batch import PENDING
from questline.processing.submission import submit
from questline.storage.players import event_by_key

router = APIRouter(prefix="/v1/events", tags=["events"], route_class=SessionRoute)

Wait = Annotated[bool, Query(description="process now and return the effects in the answer")]


class _SingleEventRoute(APIRoute):
    """``POST /v1/events`` answers its common case without FastAPI's per-request work.

    Solving the dependency tree cost about a third of a single event's CPU time. A call
    with a JSON body that is a valid event and no query string is authorized, recorded
    and answered here; anything else (``wait``, a bad body, another content type) goes
    the standard way, which then owns every error answer. Nothing is counted against the
    rate limit before that choice, so no call is counted twice.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()

        async def handle(request: Request) -> Response:
            event = await _plain_event(request)
            if event is None:
                return await standard(request)
            principal = await current_principal(await authorize(request, await bearer(request)))
            answer, duplicate = await _record(
                event, principal, await get_context(request), wait=False
            )
            return Response(
                _ACCEPTED.dump_json(answer),
                status_code=status.HTTP_200_OK if duplicate else status.HTTP_202_ACCEPTED,
                media_type="application/json",
            )

        return handle


async def _plain_event(request: Request) -> EventIn | None:
    if request.scope["query_string"] or request.headers.get("content-type") != "application/json":
        return None
    try:
        return EventIn.model_validate_json(await request.body())
    except ValidationError:
        return None


async def _record(
    body: EventIn, principal: Principal, context: Context, wait: bool
) -> tuple[EventAccepted, bool]:
    event = body.to_new_event()
    if wait:
        results, found = await run_in_threadpool(
            submit,
            context.database,
            context.worker,
            context.dispatcher,
            principal.app_id,
            [event],
            wait=True,
        )
        result = results[0]
        state = found.get(result.seq) if result.seq is not None else None
    else:
        # Appended together with what other requests of this process send meanwhile.
        result, state = await context.single_events.submit(principal.app_id, event)
    if result.error is not None:
        raise result.error
    assert result.key is not None
    assert state is not None
    return EventAccepted.of(result.key, state, result.duplicate), result.duplicate


_ACCEPTED = TypeAdapter(EventAccepted)


async def post_event(
    body: EventIn,
    principal: EventWriter,
    context: ContextDep,
    response: Response,
    wait: Wait = False,
) -> EventAccepted:
    answer, duplicate = await _record(body, principal, context, wait)
    if duplicate:
        response.status_code = status.HTTP_200_OK
    return answer


router.add_api_route(
    "",
    post_event,
    methods=["POST"],
    status_code=status.HTTP_202_ACCEPTED,
    summary="Record one event",
    responses={200: {"model": EventAccepted, "description": "a replay of a known id: nothing new"}},
    route_class_override=_SingleEventRoute,
)

_EVENT_LIST = TypeAdapter(list[EventIn])


def _validate_each(raw_events: list[dict[str, Any]]) -> tuple[list[EventIn | None], dict[int, Any]]:
    """Validate the whole list at once; only if that fails, find the bad ones one by one."""
    try:
        return list(_EVENT_LIST.validate_python(raw_events)), {}
    except ValidationError:
        pass
    parsed: list[EventIn | None] = []
    problems: dict[int, Any] = {}
    for index, raw in enumerate(raw_events):
        try:
            parsed.append(EventIn.model_validate(raw))
        except ValidationError as error:
            parsed.append(None)
            problems[index] = InvalidInput(
                "the event is not valid",
                errors=[
                    {"loc": e["loc"], "message": e["msg"], "type": e["type"]}
                    for e in error.errors(include_url=False)
                ],
            ).problem(at=["events", index])
    return parsed, problems


@router.post(
    "/batch",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Record up to 1,000 events",
    response_model=BatchResult,
)
def post_batch(
    body: BatchIn, principal: EventWriter, context: ContextDep, wait: Wait = False
) -> Response:
    parsed, problems = _validate_each(body.events)
    valid = [(index, event) for index, event in enumerate(parsed) if event is not None]
    results, found = submit(
        context.database,
        context.worker,
        context.dispatcher,
        principal.app_id,
        [event.to_new_event() for _, event in valid],
        wait=wait,
    )
    answers: list[dict[str, Any] | None] = [None] * len(parsed)
    for index, problem in problems.items():
        given = body.events[index].get("id")
        answers[index] = {
            "index": index,
            "id": given if isinstance(given, str) else None,
            "status": "rejected",
            "duplicate": False,
            "error": problem,
        }
    accepted = duplicates = 0
    for (index, _), result in zip(valid, results, strict=True):
        if result.error is not None:
            answers[index] = {
                "index": index,
                "id": result.key,
                "status": "rejected",
                "duplicate": False,
                "error": result.error.problem(at=["events", index]),
            }
            continue
        assert result.seq is not None
        state = found[result.seq]
        duplicates += result.duplicate
        accepted += not result.duplicate
        answer: dict[str, Any] = {
            "index": index,
            "id": result.key,
            "status": state.status,
            "duplicate": result.duplicate,
        }
        if state.status != PENDING:
            answer["effects"] = reported_effects(state.status, state.effects)
        if state.error is not None:
            answer["error"] = failure(state.error)
        answers[index] = answer
    # Built by hand and encoded once: validating 1,000 result models again on the way
    # out cost as much as ingesting the events.
    payload = {
        "accepted": accepted,
        "duplicates": duplicates,
        "rejected": len(parsed) - accepted - duplicates,
        "results": answers,
    }
    return Response(
        orjson.dumps(payload), status_code=status.HTTP_202_ACCEPTED, media_type="application/json"
    )


@router.get("/{event_id}", summary="An event, its status and its effects")
def get_event(event_id: str, principal: PlayerViewer, session: ReadSessionDep) -> EventOut:
    row = event_by_key(session, principal.app_id, event_id)
    if row is None:
        raise NotFound(f"no event with id '{event_id}'")
    event, player = row
    return event_out(event, player)
