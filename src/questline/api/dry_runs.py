"""/v1/config/dry-runs: replay the event log through a draft design in the background,
and read what it would have changed. Never touches live state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from questline.api.http.deps import ConfigWriter, ContextDep, CurrentKey, ReadSessionDep, SessionDep
from questline.api.http.sessions import SessionRoute
from questline.services.dry_runs import MAX_SAMPLE_PLAYERS, get_dry_run, request_dry_run
from questline.storage.database import after_commit
from questline.storage.models import DryRun

router = APIRouter(prefix="/v1/config/dry-runs", tags=["config"], route_class=SessionRoute)

_REPORT_EXAMPLE: dict[str, Any] = {
    "players": 2,
    "players_erased": 0,
    "events": 14,
    "players_differing": 1,
    "currencies": {
        "xp": {
            "live_total": 340,
            "dry_run_total": 380,
            "change": 40,
            "players_changed": 1,
            "per_player_change": {"min": 0, "p50": 0, "p90": 40, "max": 40},
        }
    },
    "levels": {"xp": {"before": {"1": 1, "2": 1}, "after": {"1": 1, "3": 1}}},
    "achievements": {
        "ten-passes": {
            "live_players": 0,
            "dry_run_players": 1,
            "would_unlock": 1,
            "would_not_unlock": 0,
        }
    },
    "leaderboards": {
        "global_xp": {
            "in_current_design": True,
            "run_before": "all",
            "run_after": "all",
            "players_in_partitions_not_listed": 0,
            "partitions": [
                {
                    "partition": None,
                    "before": [
                        {"rank": 1, "player": "ada", "score": 200},
                        {"rank": 2, "player": "bo", "score": 140},
                    ],
                    "after": [
                        {"rank": 1, "player": "bo", "score": 240},
                        {"rank": 2, "player": "ada", "score": 200},
                    ],
                    "entered": [],
                    "left": [],
                    "moved": [
                        {"player": "bo", "before": 2, "after": 1},
                        {"player": "ada", "before": 1, "after": 2},
                    ],
                }
            ],
        }
    },
    "failed_events": 1,
    "failures": [
        {
            "player": "ada",
            "event": "attempt-8812",
            "type": "attempt.submitted",
            "reason": "rule 'attempt-xp': event.score is missing",
        }
    ],
}


class DryRunIn(BaseModel):
    """A draft design to replay the event log through, and which players to replay."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "design": {
                        "currencies": {"xp": {}},
                        "rules": [
                            {"id": "attempt-xp", "on": "attempt.submitted", "award": {"xp": 20}}
                        ],
                    },
                    "players": ["ada", "bo"],
                }
            ]
        },
    )

    design: dict[str, Any] = Field(
        description="the draft game design, as `PUT /v1/config` takes it"
    )
    since: AwareDatetime | None = Field(
        default=None,
        description="replay only players with an event at or after this time (each over"
        " their whole history, so balances and levels compare exactly)",
    )
    players: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_SAMPLE_PLAYERS,
        description="replay only these players (a sample); default: every player",
    )


class DryRunOut(BaseModel):
    """A dry run: its progress, and its report so far (final once `finished`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "status": "finished",
                    "created_at": "2026-11-21T16:35:51Z",
                    "created_by": "key:bootstrap",
                    "finished_at": "2026-11-21T16:35:53Z",
                    "since": "2026-11-01T00:00:00Z",
                    "players": ["ada", "bo"],
                    "players_total": 2,
                    "players_done": 2,
                    "report": _REPORT_EXAMPLE,
                    "error": "",
                }
            ]
        }
    )

    id: int
    status: Literal["pending", "running", "finished", "failed"]
    created_at: datetime
    created_by: str | None
    finished_at: datetime | None
    since: datetime | None
    players: list[str] | None
    players_total: int | None = Field(description="players in scope; null until it starts")
    players_done: int
    report: dict[str, Any] | None = Field(
        description="the report over the players done so far; null until the first chunk"
    )
    error: str | None = Field(description="why it failed (status `failed`)")


def _out(row: DryRun) -> DryRunOut:
    return DryRunOut(
        id=row.id,
        status=row.status,
        created_at=row.created_at,
        created_by=row.created_by,
        finished_at=row.finished_at,
        since=row.since,
        players=row.players,
        players_total=row.players_total,
        players_done=row.players_done,
        report=row.report,
        error=row.error,
    )


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Replay the event log through a draft design, in the background",
)
def post_dry_run(
    body: DryRunIn, principal: ConfigWriter, session: SessionDep, context: ContextDep
) -> DryRunOut:
    row = request_dry_run(
        session,
        principal.app_id,
        body.design,
        since=body.since,
        players=body.players,
        by=principal.actor,
        now=datetime.now(UTC),
    )
    run_id = row.id
    after_commit(session, lambda: context.dry_runs.start(run_id))
    return _out(row)


@router.get("/{run_id}", summary="A dry run's progress and report")
def get_dry_run_route(
    run_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="the dry run's id")],
    principal: CurrentKey,
    session: ReadSessionDep,
) -> DryRunOut:
    return _out(get_dry_run(session, principal.app_id, run_id))
