"""/v1/config/schedules: a design published at a future time, and optionally withdrawn
at a later one (the version before it comes back). The switches are made by a periodic
job (`services.schedules.switch_due`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Response, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from questline.api.http.deps import ConfigWriter, CurrentKey, ReadSessionDep, SessionDep
from questline.api.http.problems import problems
from questline.api.http.sessions import SessionRoute
from questline.services.schedules import cancel_schedule, list_schedules, schedule_publish
from questline.storage.models import ScheduledPublish

router = APIRouter(prefix="/v1/config/schedules", tags=["config"], route_class=SessionRoute)

_DESIGN_EXAMPLE: dict[str, Any] = {
    "currencies": {"xp": {}},
    "rules": [{"id": "attempt-xp", "on": "attempt.submitted", "award": {"xp": 40}}],
}

_SCHEDULE_EXAMPLE: dict[str, Any] = {
    "id": 3,
    "status": "ended",
    "starts_at": "2026-12-12T00:00:00Z",
    "ends_at": "2026-12-14T00:00:00Z",
    "comment": "double XP weekend",
    "created_at": "2026-12-07T09:00:00Z",
    "created_by": "key:bootstrap",
    "previous_version": 4,
    "started_version": 5,
    "ended_version": 6,
    "document": _DESIGN_EXAMPLE,
}


class ScheduleIn(BaseModel):
    """A design to publish at `starts_at`, and withdraw at `ends_at` if given."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "design": _DESIGN_EXAMPLE,
                    "starts_at": "2026-12-12T00:00:00Z",
                    "ends_at": "2026-12-14T00:00:00Z",
                    "comment": "double XP weekend",
                }
            ]
        },
    )

    design: dict[str, Any] = Field(description="the game design, as `PUT /v1/config` takes it")
    starts_at: AwareDatetime = Field(description="when it is published (in the future)")
    ends_at: AwareDatetime | None = Field(
        default=None,
        description="when the version current before it is published again; null: it stays",
    )
    comment: str | None = Field(default=None, max_length=500)


class ScheduleOut(BaseModel):
    """A scheduled publish and what it did so far."""

    model_config = ConfigDict(json_schema_extra={"examples": [_SCHEDULE_EXAMPLE]})

    id: int
    status: Literal["scheduled", "active", "ended", "superseded", "missed", "cancelled"]
    starts_at: datetime
    ends_at: datetime | None
    comment: str | None
    created_at: datetime
    created_by: str | None
    previous_version: int | None = Field(description="the version current when it started")
    started_version: int | None = Field(description="the version its start published")
    ended_version: int | None = Field(
        description="the version its end published (the previous version's document again)"
    )
    document: dict[str, Any]


class ScheduleList(BaseModel):
    """The app's scheduled publishes, latest start first."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"data": [_SCHEDULE_EXAMPLE], "next_cursor": None}]}
    )

    data: list[ScheduleOut]
    next_cursor: str | None = None


def _out(row: ScheduledPublish) -> ScheduleOut:
    return ScheduleOut(
        id=row.id,
        status=row.status,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        comment=row.comment,
        created_at=row.created_at,
        created_by=row.created_by,
        previous_version=row.previous_version,
        started_version=row.started_version,
        ended_version=row.ended_version,
        document=row.document,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Publish a game design at a future time (and withdraw it at a later one)",
)
def post_schedule(body: ScheduleIn, principal: ConfigWriter, session: SessionDep) -> ScheduleOut:
    row = schedule_publish(
        session,
        principal.app_id,
        body.design,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        comment=body.comment,
        by=principal.actor,
        now=datetime.now(UTC),
    )
    return _out(row)


@router.get("", summary="Scheduled publishes, latest start first (the last 200)")
def get_schedules(principal: CurrentKey, session: ReadSessionDep) -> ScheduleList:
    return ScheduleList(data=[_out(row) for row in list_schedules(session, principal.app_id)])


@router.delete(
    "/{schedule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Cancel a scheduled publish that has not started",
    responses=problems(404, 409),
)
def delete_schedule(
    schedule_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="the schedule's id")],
    principal: ConfigWriter,
    session: SessionDep,
) -> Response:
    cancel_schedule(session, principal.app_id, schedule_id, by=principal.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
