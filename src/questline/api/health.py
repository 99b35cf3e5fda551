"""/health (the process is up) and /ready (it can do its job)."""

from __future__ import annotations

from typing import Any

import redis
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from questline.api.http.deps import ContextDep
from questline.errors import SchemaMismatch
from questline.storage.schema import check_schema

router = APIRouter(tags=["operations"])


class Readiness(BaseModel):
    """Whether the server can serve, and the state of each dependency."""

    status: str
    checks: dict[str, dict[str, str]]


@router.get("/health", summary="Liveness: the process answers")
async def health() -> dict[str, str]:
    # On the event loop, not in a worker thread: it answers while the loop is free, even
    # when every worker thread is busy with requests that wait for the database.
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Readiness: each dependency, and whether the server can serve",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "a dependency is down (`Retry-After`)"}},
)
def ready(context: ContextDep) -> JSONResponse:
    checks: dict[str, Any] = {}
    try:
        with context.database.reader() as session:
            session.execute(text("SELECT 1"))
        check_schema(context.database.engine)
        checks["database"] = {"status": "ok", "dialect": context.database.dialect}
    except SchemaMismatch as error:
        checks["database"] = {"status": "error", "detail": str(error)}
    except Exception as error:  # any failure to reach the database means "not ready"
        checks["database"] = {"status": "error", "detail": type(error).__name__}
    if context.settings.redis_url is not None:
        checks["redis"] = _redis_check(context.settings.redis_url)
    ok = all(check["status"] == "ok" for check in checks.values())
    headers = None if ok else {"Retry-After": "5"}
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks},
        status_code=200 if ok else 503,
        headers=headers,
    )


def _redis_check(url: str) -> dict[str, Any]:
    """The broker of the distributed workers (and its other roles)."""
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        return {"status": "error", "detail": type(error).__name__}
    finally:
        client.close()
    return {"status": "ok"}
