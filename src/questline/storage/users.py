"""Console users, their roles per app, and their refresh tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from questline.auth.policy import Role
from questline.auth.tokens import digest, new_refresh_token
from questline.storage.models import Membership, RefreshToken, User


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(session: Session, email: str, password_hash: str) -> User:
    user = User(
        email=normalize_email(email), password_hash=password_hash, created_at=datetime.now(UTC)
    )
    session.add(user)
    session.flush()
    return user


def role_in(session: Session, user_id: int, app_id: int) -> Role | None:
    role = session.scalar(
        select(Membership.role).where(Membership.user_id == user_id, Membership.app_id == app_id)
    )
    return Role(role) if role else None


def apps_of(session: Session, user_id: int) -> list[int]:
    """The ids of the apps the user has a role in."""
    return list(session.scalars(select(Membership.app_id).where(Membership.user_id == user_id)))


def first_app(session: Session, user_id: int) -> int | None:
    return session.scalar(
        select(Membership.app_id)
        .where(Membership.user_id == user_id)
        .order_by(Membership.app_id)
        .limit(1)
    )


def set_role(session: Session, user: User, app_id: int, role: Role) -> Role | None:
    """Give ``user`` ``role`` in the app; returns the role they had before."""
    membership = session.get(Membership, (user.id, app_id))
    if membership is None:
        session.add(
            Membership(
                user_id=user.id, app_id=app_id, role=role.value, created_at=datetime.now(UTC)
            )
        )
        session.flush()
        return None
    before = Role(membership.role)
    membership.role = role.value
    return before


def remove_member(session: Session, user_id: int, app_id: int) -> Role | None:
    membership = session.get(Membership, (user_id, app_id))
    if membership is None:
        return None
    before = Role(membership.role)
    session.delete(membership)
    session.flush()
    return before


def owners(session: Session, app_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.app_id == app_id, Membership.role == Role.OWNER.value)
        )
        or 0
    )


def members(
    session: Session, app_id: int, *, after_id: int | None, limit: int
) -> list[tuple[User, str]]:
    """A page of the app's console users with their roles, in the order they joined."""
    statement = (
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.app_id == app_id)
    )
    if after_id is not None:
        statement = statement.where(User.id > after_id)
    return list(session.execute(statement.order_by(User.id).limit(limit)).tuples())


def issue_refresh(
    session: Session, user_id: int, app_id: int, lifetime: timedelta, family: str | None = None
) -> tuple[str, datetime]:
    token = new_refresh_token()
    now = datetime.now(UTC)
    row = RefreshToken(
        token_hash=digest(token),
        family=family or secrets.token_hex(16),
        user_id=user_id,
        app_id=app_id,
        issued_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    return token, row.expires_at


class Refresh(Enum):
    ROTATED = "rotated"
    UNKNOWN = "unknown"  # never issued, revoked, or expired
    REUSED = "reused"  # already used once: the family has just been revoked


@dataclass(frozen=True)
class Rotation:
    outcome: Refresh
    user_id: int | None = None
    app_id: int | None = None
    token: str | None = None
    expires_at: datetime | None = None


def rotate_refresh(session: Session, token: str, lifetime: timedelta) -> Rotation:
    """Use a refresh token once. A second use means it leaked: revoke its whole family."""
    now = datetime.now(UTC)
    row = session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == digest(token)).with_for_update()
    )
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return Rotation(Refresh.UNKNOWN)
    if row.used_at is not None:
        revoke_family(session, row.family, now)
        return Rotation(Refresh.REUSED)
    row.used_at = now
    new_token, expires_at = issue_refresh(session, row.user_id, row.app_id, lifetime, row.family)
    return Rotation(Refresh.ROTATED, row.user_id, row.app_id, new_token, expires_at)


def revoke_family(session: Session, family: str, now: datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def revoke_by_token(session: Session, token: str) -> bool:
    row = session.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(token)))
    if row is None:
        return False
    revoke_family(session, row.family, datetime.now(UTC))
    return True


def prune_refresh_tokens(session: Session, now: datetime) -> int:
    """Delete the refresh tokens expired at `now`. An expired token is refused whether or
    not it was used or revoked, so its row has nothing left to tell."""
    deleted = session.execute(delete(RefreshToken).where(RefreshToken.expires_at <= now))
    return int(deleted.rowcount)  # type: ignore[attr-defined]
