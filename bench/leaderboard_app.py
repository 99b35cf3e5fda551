"""The Questline app as `questline serve` builds it, plus one route that exists only in
the benchmark: `GET /bench/static`, which answers a fixed body (the size of a top-10
page) with no work at all — the framework's own ceiling, measured in the same process —
and `GET /bench/static-with-key`, the same behind the API-key check every route has.

    uvicorn --factory bench.leaderboard_app:create
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI, Response

from questline.api.app import create_app
from questline.api.http.deps import PlayerViewer
from questline.auth.policy import POLICY, PUBLIC, Permission, needs
from questline.settings import get_settings


@lru_cache(maxsize=1)
def _body() -> bytes:
    return Path(os.environ["QUESTLINE_BENCH_BODY"]).read_bytes()


def create() -> FastAPI:
    app = create_app(get_settings())
    # Every route of the app passes the policy: these two get lines of their own, one open
    # to anyone and one needing what the leaderboard read needs.
    POLICY["GET /bench/static"] = PUBLIC
    POLICY["GET /bench/static-with-key"] = needs(Permission.PLAYERS_READ)

    @app.get("/bench/static", include_in_schema=False)
    async def static() -> Response:
        return Response(_body(), media_type="application/json")

    @app.get("/bench/static-with-key", include_in_schema=False)
    async def static_with_key(principal: PlayerViewer) -> Response:  # noqa: ARG001
        return Response(_body(), media_type="application/json")

    return app
