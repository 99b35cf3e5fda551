"""/console/settings: the app's access settings, read by those who read the design and
changed by its administrators — through `GET /v1/apps/{id}` and
`PUT /v1/apps/{id}/settings`'s own functions, checked and audited as they are."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from questline.api import apps
from questline.api.http.deps import ContextDep, ReadSessionDep, SessionDep
from questline.api.http.forms import read_form
from questline.api.http.sessions import SessionRoute
from questline.errors import InvalidInput
from questline.storage.apps import AppSettings
from questline.web.console.pages import PREFIX, Caller, Flash, render, see_other

BRAND_FIELDS = ("brand_name", "brand_color", "brand_logo_url")
router = APIRouter(prefix=PREFIX, route_class=SessionRoute, include_in_schema=False)


async def form_fields(request: Request) -> dict[str, str]:
    # async: the body was read (and kept) while the CSRF token was checked.
    return await read_form(request)


Form = Annotated[dict[str, str], Depends(form_fields)]


@router.get("/settings")
def settings_page(caller: Caller, session: ReadSessionDep, saved: bool = False) -> Response:
    app = apps.get_one(caller.app_slug, caller.principal, session)
    flash = Flash("The settings are saved.") if saved else None
    return render(caller, "settings.html", section="/console/settings", app=app, flash=flash)


@router.post("/settings")
def save_settings(caller: Caller, form: Form, session: SessionDep, context: ContextDep) -> Response:
    current = apps.get_one(caller.app_slug, caller.principal, session).settings
    try:
        body = AppSettings(
            player_event_types=_lines(form.get("player_event_types", "")),
            rate_limit_per_key=form.get("rate_limit_per_key", "").strip() or None,
            rate_limit_per_player=form.get("rate_limit_per_player", "").strip() or None,
            cors_origins=_lines(form.get("cors_origins", "")),
            # A form without the field keeps the app's zone: saving must not move its days.
            time_zone=form.get("time_zone", "").strip() or current.time_zone,
            # Likewise the brand: a form without its fields keeps it (an empty one clears it).
            **{
                name: (form[name].strip() or None) if name in form else getattr(current, name)
                for name in BRAND_FIELDS
            },
        )
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidInput(
            f"the settings are not valid: {'.'.join(map(str, first['loc']))}: {first['msg']}",
            errors=[{"loc": ["body", *first["loc"]], "message": first["msg"]}],
        ) from None
    apps.put_settings(caller.app_slug, body, caller.principal, session, context)
    return see_other(f"{PREFIX}/settings?saved=true")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
