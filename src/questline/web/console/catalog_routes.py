"""/console/items: the catalog — each item's names in every language, its attributes,
activate and deactivate, and the whole catalog out to CSV or JSON and back in — through
the API's own item functions, checked and audited as they are."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from questline.api import items
from questline.api.http.deps import ReadSessionDep, SessionDep
from questline.api.http.forms import read_form, read_upload
from questline.api.http.sessions import SessionRoute
from questline.web.console import catalog
from questline.web.console.pages import PREFIX, Caller, Flash, render, see_other

router = APIRouter(prefix=f"{PREFIX}/items", route_class=SessionRoute, include_in_schema=False)

ITEMS_SHOWN = 100
ItemKey = Annotated[str, Path(min_length=1, max_length=200)]
Text = Annotated[str, Query(max_length=200)]


async def form_fields(request: Request) -> dict[str, str]:
    # async: the body was read (and kept) while the CSRF token was checked.
    return await read_form(request)


async def uploaded(request: Request) -> tuple[str, bytes]:
    # async: reads the upload the CSRF check parsed.
    return await read_upload(request, "file")


Form = Annotated[dict[str, str], Depends(form_fields)]
Upload = Annotated[tuple[str, bytes], Depends(uploaded)]


@router.get("")
def items_page(
    caller: Caller, session: ReadSessionDep, kind: Text = "", cursor: Text = "", done: Text = ""
) -> Response:
    found = items.get_items(caller.principal, session, kind or None, ITEMS_SHOWN, cursor or None)
    older = f"?kind={quote(kind)}&cursor={found.next_cursor}" if found.next_cursor else ""
    return render(
        caller,
        "items.html",
        section="/console/items",
        items=found.data,
        kind=kind,
        more=older,
        flash=Flash(done) if done else None,
    )


@router.post("/{key}/active")
def set_active(key: ItemKey, caller: Caller, form: Form, session: SessionDep) -> Response:
    active = form.get("active") == "true"
    items.update_item(key, items.ItemPatch(active=active), caller.principal, session)
    state = "active" if active else "inactive"
    return see_other(f"{PREFIX}/items?done={quote(f'{key} is {state}.')}")


@router.get("/export")
def export(
    caller: Caller,
    session: ReadSessionDep,
    format: Annotated[Literal["csv", "json"], Query()] = "json",
) -> Response:
    found = list(catalog.all_items(session, caller.principal.app_id))
    body = catalog.to_csv(found) if format == "csv" else catalog.to_json(found)
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8" if format == "csv" else "application/json",
        headers={
            "Content-Disposition": f'attachment; filename="items.{format}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/import")
def import_items(caller: Caller, upload: Upload, session: SessionDep) -> Response:
    bodies = catalog.parse(*upload)
    for body in bodies:  # one transaction: a refused item (a key in use) imports none
        items.create_item(body, caller.principal, session)
    return see_other(f"{PREFIX}/items?done={quote(f'{len(bodies)} item(s) imported.')}")
