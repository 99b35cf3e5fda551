"""/console/keys, /console/users and /console/audit: the app's API keys (a new key's
secret shown once), its console users and their roles, and the audit log — through the
API's own functions, audited as the API audits them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from questline.api import keys, users
from questline.api.audit import AuditFilter, read_audit
from questline.api.http.deps import ContextDep, ReadSessionDep, SessionDep
from questline.api.http.forms import read_form, read_form_items
from questline.api.http.paging import decode_cursor
from questline.api.http.sessions import SessionRoute
from questline.auth.policy import Role, Scope
from questline.errors import InvalidInput
from questline.web.console.pages import PREFIX, Caller, Flash, render, see_other

router = APIRouter(prefix=PREFIX, route_class=SessionRoute, include_in_schema=False)

KEYS_SHOWN = 200
USERS_SHOWN = 500
AUDIT_SHOWN = 50
KeyId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Email = Annotated[str, Path(min_length=3, max_length=320)]
Filter = Annotated[str, Query(max_length=300)]


async def form_fields(request: Request) -> dict[str, str]:
    # async: the body was read (and kept) while the CSRF token was checked.
    return await read_form(request)


async def form_items(request: Request) -> list[tuple[str, str]]:
    # async: as above; a key's scopes are several checkboxes of one name.
    return await read_form_items(request)


Form = Annotated[dict[str, str], Depends(form_fields)]
FormItems = Annotated[list[tuple[str, str]], Depends(form_items)]


@router.get("/keys")
def keys_page(caller: Caller, session: ReadSessionDep, revoked: int | None = None) -> Response:
    flash = Flash(f"Key {revoked} is revoked: it stops working at once.") if revoked else None
    return _keys(caller, session, flash)


@router.post("/keys")
def create_key(caller: Caller, items: FormItems, session: SessionDep) -> Response:
    form = dict(items)
    try:
        body = keys.KeyIn(
            name=form.get("name", "").strip(),
            scopes=[Scope(value) for name, value in items if name == "scopes"],
            expires_at=_day_start(form["expires"]) if form.get("expires") else None,
        )
    except (ValueError, ValidationError) as error:
        raise InvalidInput(f"the key is not valid: {_first_error(error)}") from None
    created = keys.create(session, caller.principal, body)
    flash = Flash(f"Key {created.name} is created. Copy its secret now: it is never shown again.")
    return _keys(caller, session, flash, created=created)


@router.post("/keys/{key_id}/revoke")
def revoke_key(key_id: KeyId, caller: Caller, session: SessionDep, context: ContextDep) -> Response:
    keys.revoke(context, session, caller.principal, key_id)
    return see_other(f"{PREFIX}/keys?revoked={key_id}")


@router.get("/users")
def users_page(caller: Caller, session: ReadSessionDep, done: Filter = "") -> Response:
    found = users.list_members(caller.principal, session, USERS_SHOWN, None)
    return render(
        caller,
        "users.html",
        section="/console/users",
        members=found.data,
        roles=[role.value for role in reversed(Role)],  # the least first
        flash=Flash(done) if done else None,
    )


@router.post("/users")
def set_role(caller: Caller, form: Form, session: SessionDep) -> Response:
    email = form.get("email", "").strip()
    try:
        body = users.MemberIn(
            role=Role(form.get("role", "")), password=form.get("password") or None
        )
    except (ValueError, ValidationError) as error:
        raise InvalidInput(f"the role is not valid: {_first_error(error)}") from None
    member = users.put_member(email, body, caller.principal, session)
    return see_other(f"{PREFIX}/users?done={quote(f'{member.email} is {member.role.value}.')}")


@router.post("/users/{email}/remove")
def remove_user(email: Email, caller: Caller, session: SessionDep) -> Response:
    users.delete_member(email, caller.principal, session)
    return see_other(f"{PREFIX}/users?done={quote(f'{email} is removed from this app.')}")


@router.get("/audit")
def audit_page(
    caller: Caller,
    session: ReadSessionDep,
    actor: Filter = "",
    action: Filter = "",
    target: Filter = "",
    since: Filter = "",
    until: Filter = "",
    cursor: Filter = "",
) -> Response:
    target_type, _, target_id = target.partition(":")
    found = AuditFilter(
        action=action or None,
        target_type=target_type or None,
        target_id=target_id or None,
        actor=actor or None,
        since=_day_start(since, "since") if since else None,
        until=_day_start(until, "until") + timedelta(days=1) if until else None,
    )
    page = read_audit(
        session, caller.principal.app_id, found, AUDIT_SHOWN, decode_cursor(cursor or None)
    )
    filters = {"actor": actor, "action": action, "target": target}
    dates = {"since": since, "until": until}
    return render(
        caller,
        "audit.html",
        section="/console/audit",
        entries=page.data,
        older=urlencode({**filters, **dates, "cursor": page.next_cursor})
        if page.next_cursor
        else "",
        filters=filters,
        dates=dates,
    )


def _keys(
    caller: Caller,
    session: ReadSessionDep | SessionDep,
    flash: Flash | None,
    created: keys.KeyCreated | None = None,
) -> Response:
    found = keys.read_keys(session, caller.principal.app_id, KEYS_SHOWN, None)
    return render(
        caller,
        "keys.html",
        section="/console/keys",
        keys=found.data,
        scopes=[scope.value for scope in Scope],
        created=created,
        flash=flash,
        status=201 if created else 200,
    )


def _day_start(text: str, field: str = "expires") -> datetime:
    try:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    except ValueError:
        raise InvalidInput(
            f"{field} is not a date (YYYY-MM-DD)",
            errors=[{"loc": ["query", field], "message": "not a date"}],
        ) from None


def _first_error(error: Exception) -> str:
    return error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
