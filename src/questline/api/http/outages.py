"""A dependency that is down is a 503 with Retry-After, never a 500: clients retry (with
the same idempotency keys) and the server recovers by itself when it comes back."""

from __future__ import annotations

import logging

import redis
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from questline.api.http.problems import problem

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 2


def _unavailable(request: Request, what: str) -> JSONResponse:
    return problem(
        request,
        status=503,
        code="unavailable",
        title="Temporarily unavailable",
        detail=f"{what}; retry after {RETRY_AFTER_SECONDS} s (with the same event ids, "
        "which makes the retry safe)",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def install_outage_handlers(app: FastAPI) -> None:
    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)
    async def _database_down(request: Request, error: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", type(error).__name__)
        return _unavailable(request, "the database is unreachable")

    @app.exception_handler(DBAPIError)
    async def _lost_connection(request: Request, error: DBAPIError) -> JSONResponse:
        if error.connection_invalidated:
            log.warning("database connection lost: %s", type(error.orig).__name__)
            return _unavailable(request, "the database connection was lost")
        log.exception("database error", exc_info=error)
        return problem(
            request,
            status=500,
            code="internal_error",
            title="Internal error",
            detail="an unexpected error occurred; it has been logged with this request id",
        )

    @app.exception_handler(redis.ConnectionError)
    @app.exception_handler(redis.TimeoutError)
    async def _redis_down(request: Request, error: Exception) -> JSONResponse:
        log.warning("Redis unavailable: %s", type(error).__name__)
        return _unavailable(request, "Redis is unreachable")
