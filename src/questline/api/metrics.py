"""/metrics in the Prometheus text format, and the HTTP latency of every route."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.types import Scope

from questline.api.http.deps import ContextDep
from questline.metrics import HTTP_SECONDS, BacklogCollector, exposition

router = APIRouter(tags=["operations"])
# The text format every Prometheus reads (newer clients' default, 1.0.0, only Prometheus
# 3 does); the metrics' names are plain, so the text is the same in both.
TEXT_FORMAT = "text/plain; version=0.0.4"


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "description": "the Prometheus text exposition format",
            "content": {TEXT_FORMAT: {"schema": {"type": "string"}}},
        }
    },
)
def metrics(context: ContextDep) -> Response:
    depth = getattr(context.dispatcher, "queue_depth", lambda: None)
    body = exposition([BacklogCollector(context.database, depth)])
    return Response(body, media_type=f"{TEXT_FORMAT}; charset=utf-8")


def observe_http(scope: Scope, status: int, seconds: float) -> None:
    """A request's latency under its route template (`/v1/players/{player_id}`), so that
    ids in paths do not make a label per player."""
    route = scope.get("route")
    template = getattr(route, "path", None) or "unmatched"
    HTTP_SECONDS.labels(template, scope["method"], str(status)).observe(seconds)
