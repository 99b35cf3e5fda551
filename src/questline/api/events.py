"""/v1/events: append what players did; read back what it caused."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request, Response, status
from fastapi.routing import APIRoute
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from starlette.concurrency import run_in_threadpool

from questline.api.access import authorize, bearer, current_principal
from questline.api.http.context import Context
from questline.api.http.deps import ContextDep, EventWriter, PlayerReader, ReaderDep, get_context
from questline.api.http.effect_schemas import Effects
from questline.api.http.openapi_problems import ProblemField
from questline.api.http.sessions import SessionRoute
from questline.api.inputs import AvatarUrl, EventTime, Identifier
from questline.auth.principals import Principal
from questline.engine.grants import RESERVED_PREFIX
from questline.engine.periods import is_valid_zone
from questline.errors import InvalidInput, NotFound, ProcessingFailed
from questline.processing.batch import PENDING
from questline.processing.ingest import NewEvent, Profile
from questline.processing.submission import EventStatus, submit
from questline.storage.models import Event
from questline.storage.players import event_by_key

router = APIRouter(prefix="/v1/events", tags=["events"], route_class=SessionRoute)

EventType = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")]


def _storable(value: Any) -> Any:
    # Whole numbers must fit in 64 bits (what storage and JSON keep exactly); in a
    # plain union an out-of-range int would quietly become an inexact float.
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        raise ValueError("whole numbers must be between -2^63 and 2^63 - 1")
    return value


# Strict types: in lax mode 1 would be read as true.
Scalar = Annotated[
    StrictStr | StrictBool | StrictInt | Annotated[StrictFloat, Field(allow_inf_nan=False)] | None,
    Field(union_mode="smart"),
    BeforeValidator(_storable),
]
Wait = Annotated[bool, Query(description="process now and return the effects in the answer")]


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    time_zone: str | None = Field(default=None, examples=["Europe/Berlin"])
    locale: Annotated[str, StringConstraints(max_length=35)] | None = None
    avatar_url: AvatarUrl | None = Field(
        default=None,
        description="a picture of the player that boards show beside the name: an http(s) URL",
        examples=["https://cdn.example.com/avatars/ada.png"],
    )

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None and not is_valid_zone(value):
            raise ValueError(f"'{value}' is not an IANA time zone (such as Europe/Berlin)")
        return value


class EventIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "attempt-8812",
                    "type": "attempt.submitted",
                    "player": "ada",
                    "item": "sql-basics",
                    "properties": {"score": 85},
                    "profile": {"name": "Ada", "time_zone": "Europe/London"},
                }
            ]
        },
    )

    id: Identifier | None = Field(
        default=None, description="your idempotency key; replays award nothing"
    )
    type: EventType
    player: Identifier
    time: EventTime | None = Field(
        default=None,
        description="when it happened (default: now); from 2000 to 30 days ahead of the"
        " server's clock",
    )
    properties: dict[Annotated[str, StringConstraints(max_length=100)], Scalar] = Field(
        default_factory=dict
    )
    item: Identifier | None = None
    profile: ProfileIn | None = None

    @field_validator("type")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value.startswith(RESERVED_PREFIX):
            raise ValueError(
                f"types starting with '{RESERVED_PREFIX}' are Questline's own"
                " (a manual grant is POST /v1/players/{id}/grants)"
            )
        return value

    def to_new_event(self) -> NewEvent:
        profile = (
            Profile(
                self.profile.name,
                self.profile.time_zone,
                self.profile.locale,
                self.profile.avatar_url,
            )
            if self.profile is not None
            else None
        )
        return NewEvent(
            type=self.type,
            player=self.player,
            key=self.id,
            occurred_at=self.time,
            properties=dict(self.properties),
            item=self.item,
            profile=profile,
        )


def failure(error: str | None) -> dict[str, Any] | None:
    """A failed event's `error` wherever an event is answered (sent, sent in a batch,
    read back, previewed): problem details with code `processing_failed`."""
    return ProcessingFailed(error).problem() if error is not None else None


def _effects(status: str, effects: list[Any] | None) -> list[Any] | None:
    """What an answer says the event did: the effects once processed, none (`[]`) once
    failed, `null` while pending."""
    if status == PENDING:
        return None
    return effects or []


class EventAccepted(BaseModel):
    id: str
    status: Literal["pending", "processed", "failed"]
    duplicate: bool
    received_at: datetime
    effects: Effects = None
    error: ProblemField = None

    @classmethod
    def of(cls, key: str, found: EventStatus, duplicate: bool) -> EventAccepted:
        return cls(
            id=key,
            status=found.status,
            duplicate=duplicate,
            received_at=found.received_at,
            effects=_effects(found.status, found.effects),
            error=failure(found.error),
        )


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[dict[str, Any]] = Field(
        min_length=1, max_length=1000, description="up to 1,000 events, each shaped like EventIn"
    )


class BatchItemResult(BaseModel):
    index: int
    id: str | None
    status: Literal["pending", "processed", "failed", "rejected"]
    duplicate: bool = False
    effects: Effects = None
    error: ProblemField = None


class BatchResult(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    results: list[BatchItemResult]


class EventOut(BaseModel):
    id: str
    type: str
    player: str
    time: datetime
    received_at: datetime
    time_zone: str
    properties: dict[str, Any]
    item: str | None
    status: Literal["pending", "processed", "failed"]
    processed_at: datetime | None
    config_version: int | None
    effects: Effects
    error: ProblemField


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
            answer["effects"] = _effects(state.status, state.effects)
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
def get_event(event_id: str, principal: PlayerReader, session: ReaderDep) -> EventOut:
    row = event_by_key(session, principal.app_id, event_id)
    if row is None:
        raise NotFound(f"no event with id '{event_id}'")
    event, player = row
    return event_out(event, player)


def event_out(event: Event, player: str) -> EventOut:
    """An event as the API shows it (and the console's player page)."""
    return EventOut(
        id=event.key,
        type=event.type,
        player=player,
        time=event.occurred_at,
        received_at=event.received_at,
        time_zone=event.time_zone,
        properties=event.properties,
        item=event.item_key,
        status=event.status,
        processed_at=event.processed_at,
        config_version=event.config_version,
        effects=_effects(event.status, event.effects),
        error=failure(event.error),
    )
