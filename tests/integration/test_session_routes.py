"""Every route that takes a database session begins and ends it in its own thread call:
`questline serve` refuses to start otherwise, and this is the same check on the whole app."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI

from questline.api.app import create_app
from questline.api.http.sessions import SessionDep, SessionRoute, check_session_routes
from tests.integration.conftest import make_settings


def test_every_route_of_the_app_that_takes_a_session_is_a_session_route(tmp_path: Path) -> None:
    check_session_routes(create_app(make_settings(f"sqlite:///{tmp_path / 'q.db'}")))


def test_a_route_that_takes_a_session_outside_a_session_route_is_refused() -> None:
    plain = APIRouter()

    @plain.get("/unsafe")
    def unsafe(session: SessionDep) -> None: ...

    safe = APIRouter(route_class=SessionRoute)

    @safe.get("/safe")
    def safe_route(session: SessionDep) -> None: ...

    app = FastAPI()
    app.include_router(safe)
    check_session_routes(app)
    app.include_router(plain)
    with pytest.raises(TypeError, match="/unsafe: a route that takes a database session"):
        check_session_routes(app)
