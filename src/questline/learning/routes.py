"""The learning API: courses and lessons (editors), attempts, progress and reviews
(players, or the host app for them). Each route parses, is authorized by its line in
`auth.policy`, calls one service and maps the result."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from questline.api.http.deps import (
    Authorized,
    ContextDep,
    FlowDep,
    ReadSessionDep,
    SessionDep,
    module_enabled,
)
from questline.api.http.openapi_shapes import YAML_TOO, component_ref
from questline.api.http.paging import Cursor, Limit, cursor_after, decode_cursor
from questline.api.http.problems import problems
from questline.api.http.sessions import SessionRoute
from questline.learning import attempts, progress, reviews, service
from questline.learning.attempt_schemas import AnswerIn, AnswerOut, AttemptOut, ProgressOut
from questline.learning.content import CourseSpec, load_document
from questline.learning.course_schemas import (
    CourseImportOut,
    CourseList,
    CourseOut,
    CourseTreeOut,
    CourseVersionList,
    CourseVersionOut,
    LessonOut,
)
from questline.learning.review_schemas import (
    DueQueueOut,
    LearningSettingsIn,
    LearningSettingsOut,
    ReviewIn,
    ReviewOut,
    ReviewStatsOut,
)
from questline.learning.settings import LearningSettings, server_defaults

# SessionRoute: each route's session begins and ends within its own thread call. Every route
# answers 404 `module_not_enabled` unless the app's design has `modules: [learning]`.
router = APIRouter(
    tags=["learning"],
    route_class=SessionRoute,
    dependencies=[Depends(module_enabled("learning"))],
    responses=problems(404),
)

_CONTENT_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$"
CourseId = Annotated[str, Path(pattern=_CONTENT_ID, description="the course's id")]
LessonId = Annotated[str, Path(pattern=_CONTENT_ID, description="the lesson's id")]
# As an event's `player`: no spaces, no "/".
PlayerId = Annotated[
    str, Path(min_length=1, max_length=200, pattern=r"^[^\s/]+$", description="the host app's id")
]
AttemptId = Annotated[str, Path(min_length=1, max_length=40, description="the attempt's id")]
Version = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="a version (default: the current one)")
]


async def _body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_body)]


async def _defaults(context: ContextDep) -> LearningSettings:
    return server_defaults(context.settings)


Defaults = Annotated[LearningSettings, Depends(_defaults)]


def _now() -> datetime:
    return datetime.now(UTC)


# Content

_COURSE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": YAML_TOO.format(document="the course document"),
        "content": {
            "application/json": {"schema": component_ref(CourseSpec)},
        },
    }
}


@router.put(
    "/v1/courses/{course_id}",
    status_code=status.HTTP_201_CREATED,
    summary="Import a course document as the course's new version",
    openapi_extra=_COURSE_BODY,
    responses={
        200: {"model": CourseImportOut, "description": "the same content again: no new version"},
    },
)
def put_course(
    course_id: CourseId,
    body: RawBody,
    request: Request,
    principal: Authorized,
    session: SessionDep,
    response: Response,
    comment: Annotated[str | None, Query(max_length=500)] = None,
) -> CourseImportOut:
    document = load_document(body, request.headers.get("content-type", ""))
    imported = service.import_course(
        session, principal, course_id, document, comment=comment, now=_now()
    )
    if not imported.changed:
        response.status_code = status.HTTP_200_OK
    return CourseImportOut.of_import(imported)


@router.get("/v1/courses", summary="The app's courses")
def list_courses(
    principal: Authorized, session: ReadSessionDep, limit: Limit = 50, cursor: Cursor = None
) -> CourseList:
    found, last = service.list_courses(
        session, principal.app_id, after_id=decode_cursor(cursor), limit=limit
    )
    return CourseList(
        data=[CourseOut.of(summary) for summary in found],
        next_cursor=cursor_after(last),
    )


@router.get("/v1/courses/{course_id}", summary="A course: its units and lessons")
def get_course(
    course_id: CourseId, principal: Authorized, session: ReadSessionDep, version: Version = None
) -> CourseTreeOut:
    return CourseTreeOut.of(service.course_tree(session, principal.app_id, course_id, version))


@router.get(
    "/v1/courses/{course_id}/versions",
    summary="A course's imported versions, newest first",
)
def list_course_versions(
    course_id: CourseId,
    principal: Authorized,
    session: ReadSessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> CourseVersionList:
    found, last = service.course_versions(
        session, principal.app_id, course_id, before=decode_cursor(cursor), limit=limit
    )
    return CourseVersionList(
        data=[CourseVersionOut.of(info) for info in found],
        next_cursor=cursor_after(last),
    )


@router.get(
    "/v1/lessons/{lesson_id}",
    summary="A lesson with its questions, answers and cards",
)
def get_lesson(
    lesson_id: LessonId, principal: Authorized, session: ReadSessionDep, version: Version = None
) -> LessonOut:
    return LessonOut.of(service.lesson_content(session, principal.app_id, lesson_id, version))


@router.get("/v1/learning/settings", summary="The app's spaced-repetition settings")
def get_settings(
    principal: Authorized, session: ReadSessionDep, defaults: Defaults
) -> LearningSettingsOut:
    return LearningSettingsOut.of(*reviews.settings_view(session, principal.app_id, defaults))


@router.put("/v1/learning/settings", summary="Replace the app's spaced-repetition settings")
def put_settings(
    body: LearningSettingsIn, principal: Authorized, session: SessionDep, defaults: Defaults
) -> LearningSettingsOut:
    return LearningSettingsOut.of(
        *reviews.replace_settings(
            session, principal, body.model_dump(exclude_none=True), defaults, _now()
        )
    )


# Lessons a player takes

_ATTEMPTS = "/v1/players/{player_id}/lessons/{lesson_id}/attempts"


@router.post(
    _ATTEMPTS,
    status_code=status.HTTP_201_CREATED,
    summary="Start an attempt at a lesson (refused while it is locked)",
    responses=problems(409),  # the lesson is locked: its prerequisite is not passed
)
def start_attempt(
    player_id: PlayerId, lesson_id: LessonId, principal: Authorized, session: SessionDep
) -> AttemptOut:
    return AttemptOut.of(
        attempts.start_attempt(session, principal.app_id, player_id, lesson_id, _now())
    )


@router.get(_ATTEMPTS + "/{attempt_id}", summary="An attempt and its answers")
def get_attempt(
    player_id: PlayerId,
    lesson_id: LessonId,
    attempt_id: AttemptId,
    principal: Authorized,
    session: ReadSessionDep,
) -> AttemptOut:
    return AttemptOut.of(
        attempts.attempt_view(session, principal.app_id, player_id, lesson_id, attempt_id)
    )


@router.post(
    _ATTEMPTS + "/{attempt_id}/answers",
    status_code=status.HTTP_201_CREATED,
    summary="Record the answer to one question of an attempt",
    responses={
        200: {"model": AnswerOut, "description": "the same answer again: nothing new"},
        **problems(409),  # submitted, or the question was answered otherwise
    },
)
def post_answer(
    player_id: PlayerId,
    lesson_id: LessonId,
    attempt_id: AttemptId,
    body: AnswerIn,
    principal: Authorized,
    session: SessionDep,
    response: Response,
) -> AnswerOut:
    given = attempts.AnswerGiven(
        body.question, body.correct, body.response, body.time_ms, body.hint_used
    )
    answer, duplicate = attempts.record_answer(
        session, principal.app_id, player_id, lesson_id, attempt_id, given, _now()
    )
    if duplicate:
        response.status_code = status.HTTP_200_OK
    return AnswerOut.of(answer)


@router.post(
    _ATTEMPTS + "/{attempt_id}/submit",
    summary="Score an attempt and send `lesson.completed` into the game (once)",
)
def submit_attempt(
    player_id: PlayerId,
    lesson_id: LessonId,
    attempt_id: AttemptId,
    principal: Authorized,
    flow: FlowDep,
    wait: Annotated[
        bool, Query(description="process the event now and return its effects in the answer")
    ] = False,
) -> AttemptOut:
    # The service owns this unit of work: with `wait` the effects are read after its commit.
    return AttemptOut.of(
        attempts.submit_attempt(
            flow, principal.app_id, player_id, lesson_id, attempt_id, wait=wait, now=_now()
        )
    )


@router.get(
    "/v1/players/{player_id}/courses/{course_id}/progress",
    summary="A player's progress in a course",
)
def get_progress(
    player_id: PlayerId, course_id: CourseId, principal: Authorized, session: ReadSessionDep
) -> ProgressOut:
    return ProgressOut.of(progress.course_progress(session, principal.app_id, player_id, course_id))


# Reviews


@router.post(
    "/v1/players/{player_id}/reviews",
    status_code=status.HTTP_201_CREATED,
    summary="Record a review of a card (spaced repetition)",
    responses={
        200: {"model": ReviewOut, "description": "a review sent again: nothing new"},
        **problems(409),  # the review's id was used for another review
    },
)
def post_review(
    player_id: PlayerId,
    body: ReviewIn,
    principal: Authorized,
    session: SessionDep,
    flow: FlowDep,
    defaults: Defaults,
    response: Response,
) -> ReviewOut:
    given = reviews.ReviewGiven(body.card, body.rating, body.id, body.reviewed_at, body.duration_ms)
    result = reviews.record_review(
        session, flow, principal.app_id, player_id, given, defaults, _now()
    )
    if result.duplicate:
        response.status_code = status.HTTP_200_OK
    return ReviewOut.of(result)


@router.get(
    "/v1/players/{player_id}/reviews/due",
    summary="Today's review queue, in the player's time zone",
)
def get_due(
    player_id: PlayerId,
    principal: Authorized,
    session: ReadSessionDep,
    defaults: Defaults,
    limit: Annotated[int, Query(ge=1, le=500, description="cards to return")] = 20,
) -> DueQueueOut:
    return DueQueueOut.of(
        reviews.due_queue(session, principal.app_id, player_id, limit, defaults, _now())
    )


@router.get(
    "/v1/players/{player_id}/reviews/stats",
    summary="A player's cards by state, reviews today, retention and due forecast",
)
def get_review_stats(
    player_id: PlayerId, principal: Authorized, session: ReadSessionDep
) -> ReviewStatsOut:
    return ReviewStatsOut.of(reviews.review_stats(session, principal.app_id, player_id, _now()))
