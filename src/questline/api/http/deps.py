"""Typed dependencies shared by every router."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import AfterValidator
from starlette.concurrency import run_in_threadpool

from questline.api.access import Authorized, Credentials
from questline.api.http.context import Context
from questline.api.http.sessions import ReaderDep, SessionDep
from questline.auth.credentials import resolve_bearer
from questline.auth.principals import Principal
from questline.engine.compiler import CompiledDesign
from questline.errors import InvalidInput, ModuleNotEnabled, Unauthorized
from questline.processing.submission import EventFlow

__all__ = [
    "Authorized",
    "ConfigWriter",
    "ContextDep",
    "CurrentKey",
    "Cursor",
    "EventWriter",
    "FlowDep",
    "Limit",
    "PlayerManager",
    "PlayerReader",
    "Principal",
    "ReaderDep",
    "SessionDep",
    "authenticate",
    "decode_cursor",
    "encode_cursor",
    "module_enabled",
]


async def get_context(request: Request) -> Context:
    # async: a sync dependency costs a trip to the thread pool, and this does no I/O.
    context: Context = request.app.state.questline
    return context


ContextDep = Annotated[Context, Depends(get_context)]


async def get_flow(context: ContextDep) -> EventFlow:
    # async: builds a handle, does no I/O.
    return EventFlow(context.database, context.worker, context.dispatcher)


# The normal event flow, for a use case that records events in its own unit of work.
FlowDep = Annotated[EventFlow, Depends(get_flow)]


def authenticate(context: ContextDep, credentials: Credentials) -> Principal:
    """Who is calling, without deciding what they may do (``auth.policy`` decides that)."""
    if credentials is None:
        raise Unauthorized("send credentials as `Authorization: Bearer <token>`")
    return resolve_bearer(context, credentials.credentials)


# Every route passes through ``authorize`` (the app installs it globally), which applies the
# route's line in ``auth.policy.POLICY``. These names say what a handler expects its caller
# to be; the policy is what grants it.
CurrentKey = Authorized
EventWriter = Authorized
PlayerReader = Authorized
ConfigWriter = Authorized
PlayerManager = Authorized


def module_enabled(module: str) -> Callable[..., Coroutine[Any, Any, None]]:
    """A dependency of a module's router: its routes answer 404 `module_not_enabled` for an
    app whose current design does not list the module under `modules`."""

    async def enabled(context: ContextDep, principal: Authorized) -> None:
        known, design = context.designs.current_if_known(principal.app_id)
        if not known:  # at most once a second per app and process
            design = await run_in_threadpool(_design_for_reads, context, principal.app_id)
        if design is None or module not in design.design.modules:
            raise ModuleNotEnabled(module)

    return enabled


def _design_for_reads(context: Context, app_id: int) -> CompiledDesign | None:
    # Begins and ends within this one thread call, like a SessionRoute's session.
    with context.database.read_sessions() as session:
        return context.designs.current_for_reads(session, app_id)


def encode_cursor(value: int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidInput(
            "the cursor is not one this server gave out",
            errors=[{"loc": ["query", "cursor"], "message": "invalid cursor"}],
        ) from None


Limit = Annotated[int, Query(ge=1, le=500, description="page size")]


def _absent_if_empty(value: str | None) -> str | None:
    return value or None


# `cursor=` (empty, as a client that builds its URL from a null `next_cursor` sends it)
# asks for the first page, as no cursor does.
Cursor = Annotated[
    str | None,
    AfterValidator(_absent_if_empty),
    Query(description="`next_cursor` from the previous page; empty or absent: the first page"),
]
