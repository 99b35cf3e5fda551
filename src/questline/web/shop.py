"""Buying from the wallet page: the purchase through the same service the API's
`POST /v1/players/{id}/purchases` calls, and what the page says of its outcome."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from questline.api.http.context import Context
from questline.api.mechanic_reads import current_design
from questline.auth.principals import Principal
from questline.engine.compiler import CompiledDesign
from questline.engine.mechanics import localize
from questline.errors import Conflict, InvalidInput, NotFound, Refused
from questline.services import purchases

# Why a purchase was refused, as the page words it (the API's codes, and the page's own
# for a form that names no offer of the shop or a player with nothing yet).
REFUSALS = frozenset(
    {
        "insufficient_funds",
        "sold_out",
        "limit_reached",
        "not_available",
        "requirement_not_met",
        "unknown_offer",
        "unknown_player",
        "used_form",
    }
)
OTHER = "other"


def new_form_key() -> str:
    """A purchase id for one rendering of one offer's form: the form sent twice (a double
    click, a resent request) buys once."""
    return f"page-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Outcome:
    """What the page says after a purchase: bought (with the balances it left) or not,
    and why not."""

    offer: str  # the offer's name in the page's language
    bought: bool
    refusal: str | None = None
    balances: tuple[tuple[str, int], ...] = ()  # (currency name, balance after)


def buy(context: Context, principal: Principal, offer: str, key: str) -> tuple[str, str]:
    """Buy one unit of ``offer`` for the token's player; ("bought", purchase id) or
    ("refused", why)."""
    assert principal.player is not None
    try:
        # Opened and committed on this thread, as the API's purchase route does: a
        # purchase waits for the player's lock.
        with context.database.transaction() as session:
            result = purchases.buy(
                session, context.designs, principal, principal.player, offer, 1, key
            )
    except Refused as refused:
        return "refused", refused.code if refused.code in REFUSALS else OTHER
    except Conflict:
        return "refused", "used_form"  # this form's id bought something else
    except InvalidInput:
        return "refused", "unknown_offer"
    except NotFound:
        return "refused", "unknown_player"
    return "bought", result.purchase.key


def outcome(
    context: Context,
    session: Session,
    principal: Principal,
    locale: str,
    *,
    bought: str | None,
    refused: str | None,
    offer: str | None,
) -> Outcome | None:
    """What the wallet page says of the purchase its address names; None when it names
    none (or another player's)."""
    design = current_design(context, session, principal.app_id)
    if bought is not None:
        try:
            found = purchases.find(session, principal.app_id, bought)
        except NotFound:
            return None
        if found.player != principal.player:
            return None  # another player's purchase is not this page's business
        row = found.purchase
        names = {key: c.name or key for key, c in design.currencies.items()}
        return Outcome(
            _offer_name(design, row.offer, locale),
            True,
            balances=tuple((names.get(c, c), n) for c, n in row.balances.items()),
        )
    if refused is not None:
        why = refused if refused in REFUSALS else OTHER
        return Outcome(_offer_name(design, offer or "", locale), False, why)
    return None


def _offer_name(design: CompiledDesign, offer: str, locale: str) -> str:
    found = design.shop.offer(offer)
    default = design.design.default_locale
    return (localize(found.spec.name, locale, default) if found else None) or offer
