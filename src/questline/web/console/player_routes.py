"""/console/players: find a player, see everything about them (each award with its
explanation), and act on their behalf with a reason — through the API's own use cases,
audited as the API audits them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from questline.api.grants import GrantIn
from questline.api.http.deps import ContextDep, FlowDep, ReaderDep
from questline.api.http.forms import read_form
from questline.api.http.sessions import SessionRoute
from questline.errors import InvalidInput
from questline.services import grants
from questline.web.console import players
from questline.web.console.pages import PREFIX, Caller, Flash, render, see_other

router = APIRouter(prefix=f"{PREFIX}/players", route_class=SessionRoute, include_in_schema=False)

PlayerId = Annotated[str, Path(min_length=1, max_length=200)]


async def form_fields(request: Request) -> dict[str, str]:
    # async: the body was read (and kept) while the CSRF token was checked.
    return await read_form(request)


Form = Annotated[dict[str, str], Depends(form_fields)]


@router.get("")
def players_page(
    caller: Caller,
    session: ReaderDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    found = players.search(session, caller.principal.app_id, q.strip())
    return render(caller, "players.html", section="/console/players", q=q, found=found)


@router.get("/{player_id}")
def player_page(
    player_id: PlayerId,
    caller: Caller,
    session: ReaderDep,
    context: ContextDep,
    granted: str | None = None,
) -> Response:
    page = players.player_page(context, session, caller.principal.app_id, player_id)
    flash = Flash(f"Granted {granted}.") if granted else None
    return render(caller, "player.html", section="/console/players", player=page, flash=flash)


@router.post("/{player_id}/grants")
def grant(
    player_id: PlayerId, caller: Caller, form: Form, context: ContextDep, flow: FlowDep
) -> Response:
    try:
        body = GrantIn(
            currency=form.get("currency", ""),
            amount=int(form.get("amount", "0")),
            reason=form.get("reason", "").strip(),
        )
    except (ValueError, ValidationError) as error:
        detail = error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
        raise InvalidInput(f"the grant is not valid: {detail}") from None
    grants.grant(
        flow,
        context.designs,
        caller.principal,
        player_id,
        grants.Grant(None, body.currency, body.amount, body.reason, by=caller.principal.actor),
        datetime.now(UTC),
    )
    done = quote(f"{body.amount:+d} {body.currency}")
    return see_other(f"{PREFIX}/players/{quote(player_id, safe='')}?granted={done}")
