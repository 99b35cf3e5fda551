"""Typed dependencies shared by every router."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from questline.api.access import Authorized, Credentials
from questline.api.http.context import Context
from questline.api.http.sessions import ReadSessionDep, SessionDep
from questline.auth.credentials import resolve_bearer
from questline.auth.principals import Principal
from questline.engine.compiler import CompiledDesign
from questline.errors import ModuleNotEnabled, Unauthorized
from questline.processing.submission import EventFlow

__all__ = [
    "Authorized",
    "ConfigWriter",
    "ContextDep",
    "CurrentKey",
    "EventWriter",
    "FlowDep",
    "PlayerManager",
    "PlayerViewer",
    "Principal",
    "ReadSessionDep",
    "SessionDep",
    "authenticate",
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
PlayerViewer = Authorized
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
