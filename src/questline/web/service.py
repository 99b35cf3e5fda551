"""What each player page shows, read through the same read functions the API answers with
(so a page and the API never disagree), for the token's own player only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from questline.api.achievements import PlayerAchievementOut, read_player_achievements
from questline.api.http.context import Context
from questline.api.leaderboard_schemas import BoardPage, RunOut
from questline.api.leaderboards import read_board, read_runs
from questline.api.leagues import GroupOut, PlayerLeagueOut, read_group, read_player_league
from questline.api.mechanic_reads import current_design, design_for_reads
from questline.api.players import CurrencyOut, currencies_of
from questline.api.quests import PlayerQuestOut, read_player_quests
from questline.api.streaks import StreakOut, streaks_of
from questline.auth.principals import Principal
from questline.branding import Brand
from questline.engine.compiler import CompiledDesign
from questline.engine.mechanics import localize
from questline.errors import NotFound
from questline.leaderboards.service import CURRENT
from questline.learning.reviews import ReviewStats, review_stats
from questline.notifications import service as notifications
from questline.services import shop as shop_service
from questline.services import wallet as wallet_service
from questline.social import service as social_service
from questline.social.service import FeedPage
from questline.storage.players import LedgerRow, PlayerRow, balances_of, ledger_page, player_row
from questline.web.model import Features, Translator
from questline.web.shop import OTHER, REFUSALS

RECENT_AWARDS = 8
BOARD_TOP = 10
AROUND_RADIUS = 3
RUNS_SHOWN = 4
FEED_PAGE = 20
# The leaderboard page's views; "friends" (the players the player follows) only where the
# social module provides that circle.
BOARD_VIEWS = ("top", "around", "friends")
FRIENDS = "following"


@dataclass(frozen=True)
class Frame:
    """What every page shows around its content, and what it was read against: the
    design and the player's row (None: the player has done nothing yet), so the content
    need not read them again."""

    player: str
    display_name: str | None
    player_locale: str | None
    default_locale: str  # the design's: its names for a reader with no locale
    features: Features
    now: datetime
    brand: Brand = field(default_factory=Brand)
    design: CompiledDesign | None = None
    row: PlayerRow | None = None  # who the player is (`player_row`)


@dataclass(frozen=True)
class Award:
    """A balance change as the dashboard lists it: what it was for, and its explanation."""

    title: str
    amount: int
    currency: str
    explanation: str
    created_at: datetime


@dataclass(frozen=True)
class Dashboard:
    currencies: dict[str, CurrencyOut] | None  # None: the player has done nothing yet
    unread: int
    streaks: list[StreakOut]
    recent: list[Award]
    currency_names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Badges:
    unlocked: list[PlayerAchievementOut]
    locked: list[PlayerAchievementOut]


@dataclass(frozen=True)
class Leaderboard:
    boards: list[tuple[str, str]]  # (key, name) of each board of the design
    board: str | None
    view: str
    run: str
    runs: list[RunOut]
    page: BoardPage | None  # None: the player is not on the board (around me)


@dataclass(frozen=True)
class League:
    standing: PlayerLeagueOut | None  # None: the design has no league, or see `newcomer`
    group: GroupOut | None
    newcomer: bool = False  # the player has done nothing yet, so is in no tier


@dataclass(frozen=True)
class WalletLine:
    currency: str
    name: str
    balance: int
    earned: int
    spent: int


@dataclass(frozen=True)
class Offer:
    id: str
    name: str
    description: str | None
    price: dict[str, int]
    on_sale: bool
    stock_left: int | None
    can_buy: bool
    refusal: str | None  # why not, as a key of the page's words (`shop.refused.<refusal>`)


@dataclass(frozen=True)
class Wallet:
    lines: list[WalletLine]
    offers: list[Offer] = field(default_factory=list)


def frame(context: Context, session: Session, app_id: int, player: str) -> Frame:
    design = design_for_reads(context, session, app_id)
    row = player_row(session, app_id, player)
    return Frame(
        player=player,
        display_name=row.display_name if row else None,
        player_locale=row.locale if row else None,
        default_locale=design.design.default_locale,
        features=Features.of(design, social=FRIENDS in context.circles),
        now=datetime.now(UTC),
        brand=context.app_settings.get(app_id, session).brand,
        design=design,
        row=row,
    )


def dashboard(context: Context, session: Session, frame: Frame, t: Translator) -> Dashboard:
    """The balances and levels, the unread count, the streaks and the recent awards the
    API answers with, read once for the frame's own player and design."""
    row = frame.row
    if row is None:
        return Dashboard(None, 0, [], [])
    design = frame.design or design_for_reads(context, session, row.app_id)
    currencies = currencies_of(design, balances_of(session, row.id))
    unread = notifications.unread_count(session, row.id)["unread_notifications"]
    streaks = streaks_of(session, design, row, frame.now)
    recent = [
        Award(
            _award_title(design, entry, t),
            entry.amount,
            entry.currency,
            entry.explanation,
            entry.created_at,
        )
        # The ledger's rows as its API page reads them, without the page's models.
        for entry in ledger_page(session, row.id, RECENT_AWARDS, before_id=None, currency=None)
    ]
    names = {key: c.name or key for key, c in design.currencies.items()}
    return Dashboard(currencies, unread, streaks, recent, names)


def _award_title(design: CompiledDesign, entry: LedgerRow, t: Translator) -> str:
    """The name of what moved the balance: a rule's, a badge's, a quest's."""
    name: str | None = None
    default = design.design.default_locale
    if entry.cause == "rule":
        rule = next((r for r in design.rules if r.id == entry.cause_id), None)
        name = rule.spec.name if rule else None
    elif entry.cause == "achievement":
        achievement = design.achievement(entry.cause_id.split("/")[0])
        name = localize(achievement.spec.name, t.names, default) if achievement else None
    elif entry.cause == "quest":
        quest = next((q for q in design.quests if q.id == entry.cause_id.split("/")[0]), None)
        name = localize(quest.spec.name, t.names, default) if quest else None
    elif entry.cause in ("manual", "purchase", "refund", "opening"):
        name = t(f"cause.{entry.cause}")
    return name or entry.cause_id


def badges(context: Context, session: Session, app_id: int, player: str, locale: str) -> Badges:
    try:
        found = read_player_achievements(context, session, app_id, player, locale).data
    except NotFound:
        return Badges([], [])  # a player with no progress yet: shown as all locked below
    return Badges(
        unlocked=[a for a in found if a.unlocked], locked=[a for a in found if not a.unlocked]
    )


def missions(
    context: Context, session: Session, app_id: int, player: str, locale: str
) -> list[PlayerQuestOut]:
    try:
        return read_player_quests(context, session, app_id, player, locale).data
    except NotFound:
        return []


def leaderboard(
    context: Context,
    session: Session,
    principal: Principal,
    board: str | None,
    view: str,
    run: str,
) -> Leaderboard:
    design = current_design(context, session, principal.app_id)
    boards = [(key, b.spec.name or key) for key, b in design.leaderboards.items()]
    if not boards:
        return Leaderboard([], None, view, run, [], None)
    key = board if board is not None and board in design.leaderboards else boards[0][0]
    views = board_views(context)
    view = view if view in views else views[0]
    runs = read_runs(context, session, principal.app_id, key, RUNS_SHOWN).data
    if run != CURRENT and run not in {r.run for r in runs}:
        run = CURRENT
    around = principal.player if view == "around" else None
    friends = view == "friends"
    try:
        page = read_board(
            key,
            run,
            principal,
            session,
            context,
            BOARD_TOP,
            None,
            around,
            AROUND_RADIUS,
            None,
            None,
            among=FRIENDS if friends else None,
            player=principal.player if friends else None,
        )
    except NotFound:
        page = None  # not on the board (yet), or a window board outside its window
    return Leaderboard(boards, key, view, run, runs, page)


def board_views(context: Context) -> tuple[str, ...]:
    return tuple(v for v in BOARD_VIEWS if v != "friends" or FRIENDS in context.circles)


def feed(context: Context, session: Session, app_id: int, player: str, locale: str) -> FeedPage:
    """What the players the player follows did, newest first (what GET
    /v1/players/{id}/feed answers)."""
    design = context.designs.current_for_reads(session, app_id)
    try:
        return social_service.feed(
            session, app_id, design, player, before=None, limit=FEED_PAGE, locale=locale
        )
    except NotFound:
        return FeedPage([], None, locale)  # the player has done nothing yet


def league(context: Context, session: Session, app_id: int, player: str) -> League:
    if current_design(context, session, app_id).design.leagues is None:
        return League(None, None)
    try:
        standing = read_player_league(context, session, app_id, player)
    except NotFound:
        return League(None, None, newcomer=True)  # the player has done nothing yet
    group = None
    if standing.group is not None:
        group = read_group(context, session, app_id, standing.tier, standing.group)
    return League(standing, group)


def reviews(session: Session, app_id: int, player: str) -> ReviewStats | None:
    """The player's cards by state, today's reviews, retention and the week's forecast;
    None before their first lesson."""
    try:
        return review_stats(session, app_id, player, datetime.now(UTC))
    except NotFound:
        return None


def wallet(context: Context, session: Session, app_id: int, frame: Frame, locale: str) -> Wallet:
    # A player the app has sent no event for yet holds nothing and is shown the offers.
    player = frame.player if frame.row is not None else None
    held = [] if player is None else wallet_service.wallet(session, context.designs, app_id, player)
    lines = [
        WalletLine(line.currency, line.name or line.currency, line.balance, line.earned, line.spent)
        for line in held
    ]
    listed = shop_service.shop(session, context.designs, app_id, player)
    default = listed.default_locale
    offers = []
    for listing in listed.offers:
        spec = listing.offer.spec
        offers.append(
            Offer(
                id=spec.id,
                name=localize(spec.name, locale, default) or spec.id,
                description=localize(spec.description, locale, default),
                price=dict(spec.price),
                on_sale=listing.on_sale,
                stock_left=listing.stock_left,
                can_buy=listing.player.can_buy if listing.player else False,
                refusal=_why(listing.player.refusal) if listing.player else "unknown_player",
            )
        )
    return Wallet(lines, offers)


def _why(refusal: str | None) -> str | None:
    """A refusal code as the page words it, in the page's language (the API's detail is
    English)."""
    if refusal is None:
        return None
    return refusal if refusal in REFUSALS else OTHER
