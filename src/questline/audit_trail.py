"""Where administrative actions are recorded. Every admin action on player state calls
`record_admin_action` once, in the transaction that makes the change; today it writes
the server log, and an audit log table can be written from this one place."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

log = logging.getLogger("questline.audit")


def record_admin_action(
    session: Session,  # the transaction of the change, for an audit log written with it
    *,
    app_id: int,
    actor: str,
    action: str,
    target: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    del session  # unused until the audit log is a table written in the same transaction
    log.info(
        "admin action %s on %s by %s (app %s): %s -> %s",
        action,
        target,
        actor,
        app_id,
        before,
        after,
    )
