"""/console/players: find a player, see everything about them (each award with its
explanation), and act on their behalf with a reason — through the API's own use cases,
audited as the API audits them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from questline.api import privacy, streaks
from questline.api.grants import GrantIn
from questline.api.http.deps import ContextDep, FlowDep, ReadSessionDep, SessionDep
from questline.api.http.forms import read_form
from questline.api.http.sessions import SessionRoute
from questline.errors import InvalidInput
from questline.services import grants
from questline.web.console import players
from questline.web.console.pages import PREFIX, Caller, Flash, render, see_other

router = APIRouter(prefix=f"{PREFIX}/players", route_class=SessionRoute, include_in_schema=False)

ALREADY_GRANTED = "This form was sent before: nothing more was granted"
PlayerId = Annotated[str, Path(min_length=1, max_length=200)]
StreakKey = Annotated[str, Path(min_length=1, max_length=200)]


async def form_fields(request: Request) -> dict[str, str]:
    # async: the body was read (and kept) while the CSRF token was checked.
    return await read_form(request)


Form = Annotated[dict[str, str], Depends(form_fields)]


@router.get("")
def players_page(
    caller: Caller,
    session: ReadSessionDep,
    q: Annotated[str, Query(max_length=200)] = "",
    erased: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    found = players.search(session, caller.principal.app_id, q.strip())
    flash = Flash(f"Erased; the player's numbers stay under {erased}.") if erased else None
    return render(caller, "players.html", section="/console/players", q=q, found=found, flash=flash)


@router.get("/{player_id}")
def player_page(
    player_id: PlayerId,
    caller: Caller,
    session: ReadSessionDep,
    context: ContextDep,
    granted: Annotated[str | None, Query(max_length=200)] = None,
    done: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    page = players.player_page(context, session, caller.principal.app_id, player_id)
    flash = Flash(f"Granted {granted}.") if granted else Flash(f"{done}.") if done else None
    return render(
        caller,
        "player.html",
        section="/console/players",
        player=page,
        flash=flash,
        # The grant form's idempotency key, new with each rendering: the form sent twice
        # (a double click, a resent request) grants once.
        grant_key=f"console-{uuid.uuid4().hex}",
    )


@router.post("/{player_id}/grants")
def grant(
    player_id: PlayerId, caller: Caller, form: Form, context: ContextDep, flow: FlowDep
) -> Response:
    try:
        body = GrantIn(
            id=form.get("id") or None,
            currency=form.get("currency", ""),
            amount=int(form.get("amount", "0")),
            reason=form.get("reason", "").strip(),
        )
    except (ValueError, ValidationError) as error:
        detail = error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
        raise InvalidInput(f"the grant is not valid: {detail}") from None
    made = grants.grant(
        flow,
        context.designs,
        caller.principal,
        player_id,
        grants.Grant(body.id, body.currency, body.amount, body.reason, by=caller.principal.actor),
        datetime.now(UTC),
    )
    page = f"{PREFIX}/players/{quote(player_id, safe='')}"
    if made.duplicate:  # the key's grant stands as it was made; this one changed nothing
        return see_other(f"{page}?done={quote(ALREADY_GRANTED)}")
    return see_other(f"{page}?granted={quote(f'{body.amount:+d} {body.currency}')}")


@router.post("/{player_id}/streaks/{key}/freezes")
def give_freezes(
    player_id: PlayerId,
    key: StreakKey,
    caller: Caller,
    form: Form,
    session: SessionDep,
    context: ContextDep,
) -> Response:
    try:
        body = streaks.FreezeGrantIn(
            count=int(form.get("count", "0")), reason=form.get("reason", "").strip()
        )
    except (ValueError, ValidationError) as error:
        raise InvalidInput(f"the freezes are not valid: {_first_error(error)}") from None
    after = streaks.give_freezes(context, session, caller.principal, player_id, key, body)
    return _done(player_id, f"Streak {key} has {after.freezes} freeze(s)")


@router.post("/{player_id}/streaks/{key}/restore")
def restore_streak(
    player_id: PlayerId,
    key: StreakKey,
    caller: Caller,
    form: Form,
    session: SessionDep,
    context: ContextDep,
) -> Response:
    reason = _reason(form)
    after = streaks.restore(context, session, caller.principal, player_id, key, reason)
    return _done(player_id, f"Streak {key} is restored to {after.current}")


@router.get("/{player_id}/export")
def export(
    player_id: PlayerId, caller: Caller, session: ReadSessionDep, context: ContextDep
) -> Response:
    found = privacy.player_export(context, session, caller.principal.app_id, player_id)
    name = quote(f"player-{player_id}.json", safe="")
    return Response(
        found.model_dump_json(),
        media_type="application/json",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{name}",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/{player_id}/erase")
def erase(
    player_id: PlayerId, caller: Caller, form: Form, session: SessionDep, context: ContextDep
) -> Response:
    if form.get("confirm", "").strip() != player_id:
        raise InvalidInput(
            f"type the player's id, {player_id}, to confirm the erasure",
            errors=[{"loc": ["body", "confirm"], "message": "does not match the player's id"}],
        )
    reason = _reason(form)
    pseudonym = privacy.erase_player_data(context, session, caller.principal, player_id, reason)
    return see_other(f"{PREFIX}/players?erased={quote(pseudonym)}")


def _done(player_id: str, text: str) -> Response:
    return see_other(f"{PREFIX}/players/{quote(player_id, safe='')}?done={quote(text)}")


def _first_error(error: Exception) -> str:
    return error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)


def _reason(form: dict[str, str]) -> str:
    """The reason an action's form must give, for the audit log."""
    reason = form.get("reason", "").strip()
    if not 1 <= len(reason) <= 200:
        raise InvalidInput(
            "say why, in 1 to 200 characters: the reason goes to the audit log",
            errors=[{"loc": ["body", "reason"], "message": "1 to 200 characters"}],
        )
    return reason
