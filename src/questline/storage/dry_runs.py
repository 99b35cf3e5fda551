"""Dry runs' rows beyond their own runner: finding the ones whose runner went away, and
taking an erased player's name out of the reports that hold it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from questline.engine.dry_run import forget_player
from questline.storage.models import DryRun, Event

PENDING, RUNNING, FINISHED, FAILED = "pending", "running", "finished", "failed"


def claim_stale_dry_runs(session: Session, stale_before: datetime, now: datetime) -> list[int]:
    """The dry runs pending or running that nobody has heard of since `stale_before`
    (their server or worker stopped, or their start was lost), oldest first. Each is
    made pending again and claimed (marked alive at `now`) by a compare-and-set, so two
    schedulers never both take one; the runner that takes it starts it over."""
    last_seen = func.coalesce(DryRun.alive_at, DryRun.created_at)
    stale = (DryRun.status.in_((PENDING, RUNNING)), last_seen < stale_before)
    candidates = session.scalars(select(DryRun.id).where(*stale).order_by(DryRun.id)).all()
    claimed = []
    for run_id in candidates:
        taken = session.execute(
            update(DryRun).where(DryRun.id == run_id, *stale).values(status=PENDING, alive_at=now)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(run_id)
    return claimed


def forget_player_in_dry_runs(
    session: Session,
    app_id: int,
    player_id: int,
    external_id: str,
    pseudonym: str,
    erased_key: Callable[[int], str],
) -> None:
    """Name an erased player by their pseudonym in the app's dry runs: the sample a run
    was asked for, and its report (boards, failed events, whose ids become what
    `erased_key` makes of their seq). Call it before the player's event ids are erased:
    the failed events are found by their old ids. A runner still running does the same
    to what it saves next (`processing.dry_runs`)."""
    rows = session.scalars(
        select(DryRun).where(DryRun.app_id == app_id).order_by(DryRun.id).with_for_update()
    ).all()
    for row in rows:
        if row.players is not None and external_id in row.players:
            row.players = [pseudonym if name == external_id else name for name in row.players]
        if row.report is None:
            continue
        failed = {
            failure["event"]
            for failure in row.report.get("failures", [])
            if failure["player"] == external_id
        }
        row.report = forget_player(
            row.report, external_id, pseudonym, event_seqs(session, player_id, failed, erased_key)
        )


def event_seqs(
    session: Session, player_id: int, keys: set[str], rename: Callable[[int], str]
) -> dict[str, str]:
    """Each of the player's event ids in `keys` to `rename` of the event's seq."""
    if not keys:
        return {}
    found = session.execute(
        select(Event.key, Event.seq).where(Event.player_id == player_id, Event.key.in_(keys))
    ).all()
    return {key: rename(seq) for key, seq in found}
