"""/v1/users: who may use the console for this app, and in which role."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from questline.api.auth import EMAIL_PATTERN
from questline.api.http.deps import Authorized, ReadSessionDep, SessionDep
from questline.api.http.paging import Cursor, Limit, cursor_after, decode_cursor
from questline.api.http.problems import problems
from questline.api.http.sessions import SessionRoute
from questline.auth.passwords import hash_password
from questline.auth.policy import Role
from questline.errors import Conflict, InvalidInput, NotFound
from questline.storage import audit
from questline.storage.models import User
from questline.storage.pages import split_page
from questline.storage.users import (
    create_user,
    find_user,
    members,
    owners,
    remove_member,
    role_in,
    set_role,
)

router = APIRouter(prefix="/v1/users", tags=["users"], route_class=SessionRoute)
_EMAIL = re.compile(EMAIL_PATTERN)
EmailPath = Annotated[str, Path(min_length=3, max_length=320, description="the user's email")]


class MemberIn(BaseModel):
    """A role for a user; a password creates the account if it does not exist yet."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"role": "editor", "password": "a long passphrase"}]},
    )

    role: Role
    password: Annotated[str, StringConstraints(min_length=12, max_length=1024)] | None = Field(
        default=None, description="only for a new account: at least 12 characters"
    )


class MemberOut(BaseModel):
    """A console user and their role in this app."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"email": "ada@example.com", "role": "editor", "created_at": "2026-11-21T16:35:51Z"}
            ]
        }
    )

    email: str
    role: Role
    created_at: datetime


class MemberList(BaseModel):
    """The app's console users."""

    data: list[MemberOut]
    next_cursor: str | None


@router.get("", summary="The app's console users and their roles")
def list_members(
    principal: Authorized, session: ReadSessionDep, limit: Limit = 50, cursor: Cursor = None
) -> MemberList:
    rows, last = split_page(
        members(session, principal.app_id, after_id=decode_cursor(cursor), limit=limit + 1),
        limit,
        _user_id,
    )
    data = [
        MemberOut(email=user.email, role=Role(role), created_at=user.created_at)
        for user, role in rows
    ]
    return MemberList(data=data, next_cursor=cursor_after(last))


def _user_id(row: tuple[User, str]) -> int:
    return row[0].id


@router.put(
    "/{email}",
    summary="Give a user a role in this app (creating the account if new)",
    responses=problems(409),
)
def put_member(
    email: EmailPath, body: MemberIn, principal: Authorized, session: SessionDep
) -> MemberOut:
    if not _EMAIL.fullmatch(email):
        raise InvalidInput(
            "not an email address",
            errors=[{"loc": ["path", "email"], "message": "not an email address"}],
        )
    user = find_user(session, email)
    before = role_in(session, user.id, principal.app_id) if user else None
    if before is None and body.password is None:
        # Asked of every newcomer, whether or not the account exists elsewhere, so that
        # this endpoint does not reveal which emails have accounts.
        raise InvalidInput(
            "adding a user needs a password (used only if the account is new)",
            errors=[{"loc": ["password"], "message": "required for a user new to this app"}],
        )
    if user is None:
        assert body.password is not None
        user = create_user(session, email, hash_password(body.password))
    if (
        before is Role.OWNER
        and body.role is not Role.OWNER
        and owners(session, principal.app_id) == 1
    ):
        raise Conflict("an app keeps at least one owner")
    set_role(session, user, principal.app_id, body.role)
    audit.record(
        session,
        principal,
        "user.role",
        "user",
        user.email,
        before={"role": before.value} if before else None,
        after={"role": body.role.value},
    )
    return MemberOut(email=user.email, role=body.role, created_at=user.created_at)


@router.delete(
    "/{email}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a user from this app",
    responses=problems(409),
)
def delete_member(email: EmailPath, principal: Authorized, session: SessionDep) -> Response:
    user = find_user(session, email)
    role = role_in(session, user.id, principal.app_id) if user else None
    if user is None or role is None:
        raise NotFound(f"no user '{email}' in this app")
    if role is Role.OWNER and owners(session, principal.app_id) == 1:
        raise Conflict("an app keeps at least one owner")
    remove_member(session, user.id, principal.app_id)
    audit.record(session, principal, "user.remove", "user", user.email, before={"role": role.value})
    return Response(status_code=status.HTTP_204_NO_CONTENT)
