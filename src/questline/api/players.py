"""/v1/players: a player's balances, levels, metrics and ledger."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from questline.api.http.context import Context
from questline.api.http.deps import ContextDep, PlayerViewer, ReadSessionDep
from questline.api.http.paging import Cursor, Limit, cursor_after, decode_cursor
from questline.api.http.sessions import SessionRoute
from questline.api.inputs import Locale
from questline.engine.compiler import CompiledDesign
from questline.engine.periods import Period, local_date, period_keys
from questline.processing.score_reads import computable_scores
from questline.storage.pages import split_page
from questline.storage.players import (
    BalanceRow,
    LedgerRow,
    balances_of,
    counters_of,
    find_player,
    ledger_page,
)

router = APIRouter(prefix="/v1/players", tags=["players"], route_class=SessionRoute)


class LevelOut(BaseModel):
    level: int
    total: int
    level_started_at: int
    next_level_at: int | None
    remaining: int | None
    percent: float


class CurrencyOut(BaseModel):
    balance: int
    earned: int
    level: LevelOut | None = None


class MetricOut(BaseModel):
    today: int
    week: int
    all: int


class PlayerScoreOut(BaseModel):
    """A score as the player resource shows it; `/scores/{key}` adds its inputs."""

    name: str | None
    value: int | float
    tier: str | None
    min: int | None
    max: int | None


class PlayerOut(BaseModel):
    id: str
    display_name: str | None
    avatar_url: str | None = None
    time_zone: str
    locale: str | None
    created_at: datetime
    currencies: dict[str, CurrencyOut]
    metrics: dict[str, MetricOut]
    scores: dict[str, PlayerScoreOut]
    unread_notifications: int = 0
    # The social module's share: follows both ways, and whether the profile is private.
    following: int = 0
    followers: int = 0
    private_profile: bool = False


class LedgerEntryOut(BaseModel):
    id: int
    currency: str
    amount: int
    balance_after: int
    cause: str
    cause_id: str
    event_id: str | None
    config_version: int | None
    explanation: str
    breakdown: dict[str, Any]
    created_at: datetime


# What moved a balance: a rule's award, an achievement's or a quest's reward, an
# administrator's grant (`manual`), a purchase (its debits and what it gave), a refund,
# a balance opened at its currency's floor (`opening`).
LedgerCause = Literal["rule", "achievement", "quest", "manual", "purchase", "refund", "opening"]


class LedgerPage(BaseModel):
    data: list[LedgerEntryOut]
    next_cursor: str | None


@router.get("/{player_id}", summary="A player's balances, levels, metrics and scores")
def get_player_state(
    player_id: str,
    principal: PlayerViewer,
    session: ReadSessionDep,
    context: ContextDep,
    locale: Locale = None,
) -> PlayerOut:
    return read_player_state(context, session, principal.app_id, player_id, locale)


def read_player_state(
    context: Context, session: Session, app_id: int, player_id: str, locale: str | None = None
) -> PlayerOut:
    """A player's balances, levels, metrics and scores (the API's answer and the player
    pages'); score names in `locale` by the one rule (`reading_locale`)."""
    player = find_player(session, app_id, player_id)
    design = context.designs.current(session, {app_id}).get(app_id)
    currencies = currencies_of(design, balances_of(session, player.id))
    # "today" and "this week" are the player's own, in their current time zone.
    periods = period_keys(local_date(datetime.now(UTC), player.time_zone))
    counters = counters_of(session, player.id, periods.values())
    metrics = {
        key: MetricOut(
            today=counters.get(("metric:" + key, periods[Period.TODAY]), 0),
            week=counters.get(("metric:" + key, periods[Period.WEEK]), 0),
            all=counters.get(("metric:" + key, periods[Period.ALL]), 0),
        )
        for key in (design.design.metrics if design else {})
    }
    scores = {
        found["key"]: PlayerScoreOut.model_validate(found)
        for found in (
            computable_scores(
                session, context.scores, design, app_id, player, datetime.now(UTC), locale
            )
            if design is not None
            else []
        )
    }
    extra: dict[str, Any] = {}
    for fields in context.player_fields:  # the modules' share (notifications: unread)
        extra.update(fields(session, player.id))
    return PlayerOut(
        **extra,
        id=player.external_id,
        display_name=player.display_name,
        avatar_url=player.avatar_url,
        time_zone=player.time_zone,
        locale=player.locale,
        created_at=player.created_at,
        currencies=currencies,
        metrics=metrics,
        scores=scores,
    )


@router.get("/{player_id}/ledger", summary="Every balance change, newest first, each explained")
def get_ledger(
    player_id: str,
    principal: PlayerViewer,
    session: ReadSessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    currency: Annotated[str | None, Query(max_length=63, description="one currency")] = None,
    cause: Annotated[LedgerCause | None, Query(description="one kind of cause")] = None,
) -> LedgerPage:
    return read_ledger(
        session, principal.app_id, player_id, limit, decode_cursor(cursor), currency, cause
    )


def read_ledger(
    session: Session,
    app_id: int,
    player_id: str,
    limit: int,
    before_id: int | None = None,
    currency: str | None = None,
    cause: str | None = None,
) -> LedgerPage:
    """A page of a player's balance changes, newest first, each explained."""
    player = find_player(session, app_id, player_id)
    return ledger_of(session, player.id, limit, before_id, currency, cause)


def ledger_of(
    session: Session,
    player_id: int,
    limit: int,
    before_id: int | None = None,
    currency: str | None = None,
    cause: str | None = None,
) -> LedgerPage:
    """`read_ledger` for a player already found (by their row's id)."""
    rows, last = split_page(
        ledger_page(
            session, player_id, limit + 1, before_id=before_id, currency=currency, cause=cause
        ),
        limit,
        _ledger_id,
    )
    entries = [
        LedgerEntryOut(
            id=entry.id,
            currency=entry.currency,
            amount=entry.amount,
            balance_after=entry.balance_after,
            cause=entry.cause,
            cause_id=entry.cause_id,
            event_id=entry.event_key,
            config_version=entry.config_version,
            explanation=entry.explanation,
            breakdown=entry.breakdown,
            created_at=entry.created_at,
        )
        for entry in rows
    ]
    return LedgerPage(data=entries, next_cursor=cursor_after(last))


def _ledger_id(row: LedgerRow) -> int:
    return row.id


def currencies_of(
    design: CompiledDesign | None, held: Iterable[BalanceRow]
) -> dict[str, CurrencyOut]:
    """Each currency of the design, then any other the player holds: its balance, what
    was earned, and the level reached where the currency has a curve."""
    rows = {row.currency: row for row in held}
    currencies: dict[str, CurrencyOut] = {}
    for currency in list(design.currencies if design else []) + sorted(rows.keys()):
        if currency in currencies:
            continue
        row = rows.get(currency)
        # A balance not opened yet is where the player's next event opens it.
        opening = design.floors.get(currency, 0) if design else 0
        balance, earned = (row.balance, row.earned) if row else (opening, 0)
        level = None
        curve = design.levels.get(currency) if design else None
        if curve is not None:
            progress = curve.progress(earned)
            level = LevelOut(
                level=progress.level,
                total=progress.total,
                level_started_at=progress.level_started_at,
                next_level_at=progress.next_level_at,
                remaining=progress.remaining,
                percent=progress.percent,
            )
        currencies[currency] = CurrencyOut(balance=balance, earned=earned, level=level)
    return currencies
