"""/console/overview: the app's engagement figures as charts, over a range of the app's
own days — the same figures as /v1/analytics, drawn by the analytics module."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import Response

from questline.analytics import service
from questline.analytics.model import DateRange
from questline.analytics.overview import overview
from questline.api.http.deps import ContextDep, ReadSessionDep
from questline.api.http.sessions import SessionRoute
from questline.web.console.pages import PREFIX, Caller, render

router = APIRouter(prefix=f"{PREFIX}/overview", route_class=SessionRoute, include_in_schema=False)

DEFAULT_DAYS = 56  # eight weeks: enough for weekly cohorts to say something


@router.get("")
def overview_page(
    caller: Caller,
    session: ReadSessionDep,
    context: ContextDep,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
) -> Response:
    app_id = caller.principal.app_id
    zone = service.time_zone(session, app_id)
    end = to or datetime.now(ZoneInfo(zone)).date()
    days = DateRange.of(from_ or end - timedelta(days=DEFAULT_DAYS - 1), end)
    charts = overview(session, context.designs, app_id, days, prefix="overview")
    return render(
        caller, "overview.html", section=f"{PREFIX}/overview", charts=charts, days=days, zone=zone
    )
