"""Dry runs: ask for one (the draft is checked first), read one while it runs or after.
The replay itself is `processing.dry_runs.run_dry_run`, in the background."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from questline.errors import NotFound, Refused
from questline.services.designs import check_document
from questline.storage import audit
from questline.storage.dry_runs import FAILED, FINISHED, PENDING, RUNNING
from questline.storage.models import DryRun

__all__ = ["FAILED", "FINISHED", "PENDING", "RUNNING", "get_dry_run", "request_dry_run"]

MAX_SAMPLE_PLAYERS = 1000


def request_dry_run(
    session: Session,
    app_id: int,
    document: dict[str, Any],
    *,
    since: datetime | None,
    players: list[str] | None,
    by: str,
    now: datetime,
) -> DryRun:
    """A pending dry run of `document`; InvalidDesign (located under "design") if the
    draft does not compile, and then nothing is recorded."""
    check_document(document, at=("design",))
    row = DryRun(
        app_id=app_id,
        status=PENDING,
        document=document,
        since=since,
        players=players,
        created_by=by,
        created_at=now,
        players_done=0,
        attempt=0,
    )
    session.add(row)
    session.flush()
    # The sample is counted, not named: the audit log keeps nothing an erasure removes.
    audit.record(
        session,
        by,
        "config.dry_run",
        "dry_run",
        row.id,
        after={
            "since": since.isoformat() if since is not None else None,
            "players": len(players) if players is not None else None,
            "document": document,
        },
        app_id=app_id,
    )
    return row


def get_dry_run(session: Session, app_id: int, run_id: int) -> DryRun:
    row = session.get(DryRun, run_id)
    if row is None or row.app_id != app_id:
        raise NotFound(f"there is no dry run {run_id}")
    return row


def checked_with(session: Session, app_id: int, run_id: int, document: dict[str, Any]) -> DryRun:
    """The dry run a publish of `document` says it was checked with: one of this app's,
    finished, and run on this very document (values compare as written); else Refused
    (409), saying which."""
    row = session.get(DryRun, run_id)
    if row is None or row.app_id != app_id:
        raise Refused("dry_run_unknown", f"this app has no dry run {run_id}")
    if row.status != FINISHED:
        raise Refused(
            "dry_run_not_finished",
            f"dry run {run_id} is {row.status}: publish once it has finished",
        )
    if _canonical(row.document) != _canonical(document):
        raise Refused(
            "dry_run_other_design",
            f"dry run {run_id} replayed another design than the one published:"
            " publish the document it ran on, or dry-run this one",
        )
    return row


def _canonical(document: dict[str, Any]) -> str:
    # Key order is not meaning (JSONB reorders keys); `true` is not `1`, `1` not `1.0`.
    return json.dumps(document, sort_keys=True)
