"""/metrics in the Prometheus text format, and the HTTP latency of every route."""

from __future__ import annotations

import time

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from questline.api.deps import ContextDep
from questline.metrics import HTTP_SECONDS, BacklogCollector, exposition

router = APIRouter(tags=["operations"])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(context: ContextDep) -> Response:
    depth = getattr(context.dispatcher, "queue_depth", lambda: None)
    body = exposition([BacklogCollector(context.database, depth)])
    return Response(body, media_type=CONTENT_TYPE_LATEST)


class HttpMetricsMiddleware:
    """Observes each request's latency under its route template (`/v1/players/{player_id}`),
    so that ids in paths do not make a label per player."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observing_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            HTTP_SECONDS.labels(template, scope["method"], str(status)).observe(
                time.perf_counter() - started
            )
