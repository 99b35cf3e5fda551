"""Console sessions: a signed-in browser of the web console, found by its cookie's digest."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from questline.auth.tokens import digest
from questline.storage.models import ConsoleSession

COOKIE_PREFIX = "ql_cs_"


@dataclass(frozen=True)
class OpenedSession:
    cookie: str  # the secret the browser keeps; only its digest is stored
    csrf_token: str
    expires_at: datetime


def open_session(session: Session, user_id: int, app_id: int, lifetime: timedelta) -> OpenedSession:
    now = datetime.now(UTC)
    cookie = COOKIE_PREFIX + secrets.token_urlsafe(32)
    row = ConsoleSession(
        token_hash=digest(cookie),
        csrf_token=secrets.token_urlsafe(32),
        user_id=user_id,
        app_id=app_id,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    return OpenedSession(cookie, row.csrf_token, row.expires_at)


def find_session(session: Session, cookie: str, now: datetime) -> ConsoleSession | None:
    """The live session the cookie opens; None when unknown, signed out or expired."""
    if not cookie.startswith(COOKIE_PREFIX):
        return None
    row = session.scalar(select(ConsoleSession).where(ConsoleSession.token_hash == digest(cookie)))
    if row is None or row.expires_at <= now:
        return None
    return row


def close_session(session: Session, cookie: str) -> bool:
    deleted = session.execute(
        delete(ConsoleSession).where(ConsoleSession.token_hash == digest(cookie))
    )
    return bool(deleted.rowcount)  # type: ignore[attr-defined]


def close_sessions_of(session: Session, user_id: int) -> int:
    """Sign a user out everywhere (their account was disabled or removed)."""
    deleted = session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))
    return int(deleted.rowcount)  # type: ignore[attr-defined]


def prune_sessions(session: Session, now: datetime) -> int:
    deleted = session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))
    return int(deleted.rowcount)  # type: ignore[attr-defined]
