"""A request's database session: made by a dependency, begun and ended within the route's
own call in the thread pool.

FastAPI runs a generator dependency's enter, the route, the serialization of the answer and
the dependency's exit as separate trips to the thread pool, with awaits between them. A
session begun at the enter and committed at the exit held the SQLite writer turn (a lock of
the whole process) and a pooled connection across all of those awaits: one call that met the
lock on the event loop froze the server for good, and requests queued for the turn took
every worker thread its holder needed for its next trip.

So the dependencies here only make sessions that have not begun (no I/O: they run on the
loop), and `SessionRoute` runs a route that takes one inside `Database.transaction(session)`
(a write) or closes it after the route (a read), before the route's thread call returns. The
turn and the connection are held by one thread, from the first statement to the commit,
never across an await. The commit comes before the answer is serialized, so a 2xx still
means the change is durable.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextlib import ExitStack
from typing import Annotated, Any, get_args, get_origin

from fastapi import Depends, FastAPI, Request, params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.orm import Session

from questline.api.http.context import Context
from questline.storage.database import transaction_of


async def get_session(request: Request) -> Session:
    context: Context = request.app.state.questline
    return context.database.sessions()


async def get_read_session(request: Request) -> Session:
    context: Context = request.app.state.questline
    return context.database.read_sessions()


# Only as a parameter of a route of a `SessionRoute` router (checked when the app is served).
SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]

_MAKERS = (get_session, get_read_session)


class SessionRoute(APIRoute):
    """A route whose sessions begin and end within its own thread call (see above)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        writers, readers = _session_parameters(endpoint)
        if writers or readers:
            if inspect.iscoroutinefunction(inspect.unwrap(endpoint)):
                raise TypeError(
                    f"{endpoint.__qualname__}: an async route cannot take a database session"
                    " (its work would block the event loop); make it a plain def"
                )
            endpoint = _within_units_of_work(endpoint, writers, readers)
        super().__init__(path, endpoint, **kwargs)
        for sub in self.dependant.dependencies:
            if sub.call not in _MAKERS and _takes_session(sub):
                raise TypeError(
                    f"{self.path}: a dependency of the route takes a database session; only"
                    " the route may (the session must begin and end in its thread call)"
                )


def _within_units_of_work(
    endpoint: Callable[..., Any], writers: list[str], readers: list[str]
) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def in_units_of_work(**values: Any) -> Any:
        with ExitStack() as units:
            for name in readers:
                units.callback(values[name].close)
            for name in writers:
                units.enter_context(transaction_of(values[name]))
            return endpoint(**values)

    return in_units_of_work


def _session_parameters(endpoint: Callable[..., Any]) -> tuple[list[str], list[str]]:
    writers: list[str] = []
    readers: list[str] = []
    for name, parameter in inspect.signature(endpoint, eval_str=True).parameters.items():
        maker = _dependency_of(parameter)
        if maker is get_session:
            writers.append(name)
        elif maker is get_read_session:
            readers.append(name)
    return writers, readers


def _dependency_of(parameter: inspect.Parameter) -> object:
    markers = [parameter.default]
    if get_origin(parameter.annotation) is Annotated:
        markers += get_args(parameter.annotation)[1:]
    for marker in markers:
        if isinstance(marker, params.Depends):
            return marker.dependency
    return None


def _takes_session(dependant: Dependant) -> bool:
    return any(sub.call in _MAKERS or _takes_session(sub) for sub in dependant.dependencies)


def check_session_routes(app: FastAPI) -> None:
    """Refuse to start with a route that takes a session but is not a `SessionRoute`:
    nothing would begin or commit its transaction in its thread call.

    Walking the routes also makes FastAPI build each included route's state now, rather
    than on the event loop at the first request to each router (a pause of tenths of a
    second)."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if (
            isinstance(route, APIRoute)
            and not isinstance(route, SessionRoute)
            and _takes_session(route.dependant)
        ):
            raise TypeError(
                f"{route.path}: a route that takes a database session needs"
                " `APIRouter(route_class=SessionRoute)`"
            )
