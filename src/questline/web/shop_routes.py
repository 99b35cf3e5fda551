"""POST /play/wallet: the shop's form on the wallet page. The player token comes from the
page's cookie (or a bearer header); with the cookie, the form must carry the page's CSRF
token (checked by the authorization, see `api/access.py`)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from questline.api.http.deps import Authorized, ContextDep
from questline.api.http.forms import read_form
from questline.api.http.sessions import SessionRoute
from questline.errors import InvalidInput
from questline.web import shop

router = APIRouter(route_class=SessionRoute, include_in_schema=False)


async def _form_fields(request: Request) -> dict[str, str]:
    # async: the body was read (and kept) while the CSRF token was checked.
    return await read_form(request)


PageForm = Annotated[dict[str, str], Depends(_form_fields)]


@router.post("/play/wallet")
def buy_from_the_shop(principal: Authorized, context: ContextDep, form: PageForm) -> Response:
    """The shop's form: buy one unit, then show the wallet page with what happened
    (a redirect, so that reloading the page does not send the form again)."""
    offer, key = form.get("offer", "").strip(), form.get("purchase", "").strip()
    if not offer or not key or len(offer) > 100 or len(key) > 200 or not key.isprintable():
        raise InvalidInput(
            "the form names no offer, or no purchase id: reload the page and try again",
            errors=[{"loc": ["body", "offer" if not offer else "purchase"], "message": "required"}],
        )
    done, value = shop.buy(context, principal, offer, key)
    query = {"bought": value} if done == "bought" else {"refused": value, "offer": offer}
    return RedirectResponse(
        f"/play/wallet?{urlencode(query)}",
        status_code=303,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
