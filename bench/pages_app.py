"""The Questline app as `questline serve` builds it, plus two routes that exist only in
the pages benchmark: `GET /bench/page`, a fixed HTML body the size of a dashboard with no
work at all (the framework's own ceiling, in the same process), and
`GET /bench/page-with-token`, the same behind the player-token check every page has.

    uvicorn --factory bench.pages_app:create
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI, Response

from questline.api.app import serve_app
from questline.api.http.deps import Authorized
from questline.auth.policy import PLAYER_PAGE, POLICY, PUBLIC


@lru_cache(maxsize=1)
def _body() -> bytes:
    return Path(os.environ["QUESTLINE_BENCH_BODY"]).read_bytes()


def create() -> FastAPI:
    app = serve_app()  # as `questline serve` builds it (its start-up checks, its GC settings)
    POLICY["GET /bench/page"] = PUBLIC
    POLICY["GET /bench/page-with-token"] = PLAYER_PAGE

    @app.get("/bench/page", include_in_schema=False)
    async def page() -> Response:
        return Response(_body(), media_type="text/html")

    @app.get("/bench/page-with-token", include_in_schema=False)
    async def page_with_token(principal: Authorized) -> Response:  # noqa: ARG001
        return Response(_body(), media_type="text/html")

    return app
