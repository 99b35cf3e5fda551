"""Use cases of follows, blocks, privacy, the feed and cheers. Each takes the caller's
session and never commits: the request's transaction decides."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from questline.engine.compiler import CompiledDesign
from questline.errors import Forbidden, InvalidInput, NotFound, Refused, UnknownPlayer
from questline.leaderboards.store import CircleQuery
from questline.social import store
from questline.social.model import message, reading_locale
from questline.social.store import Link
from questline.storage.models import Player
from questline.storage.pages import split_page
from questline.storage.players import find_player

BLOCKED = "blocked"
MAX_FOLLOWING = 10_000  # a circle this size still ranks and reads within a page's time

# Tells a player someone cheered their entry, when the notifications module is there:
# (session, cheered player's internal id, texts by locale, data, dedupe key).
Notifier = Callable[[Session, int, Mapping[str, str], dict[str, Any], str], None]

CHEERED = {
    "en": "{name} cheered you on",
    "fr": "{name} vous encourage",
    "es": "{name} te anima",
    "de": "{name} feuert dich an",
}


@dataclass(frozen=True, slots=True)
class LinkPage:
    links: list[Link]
    next_before: int | None


@dataclass(frozen=True, slots=True)
class Counts:
    following: int
    followers: int
    private: bool


@dataclass(frozen=True, slots=True)
class FeedEntry:
    id: int
    player: str
    display_name: str | None
    kind: str
    message: str
    data: dict[str, Any]
    cheers: int
    cheered: bool  # by the reader
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FeedPage:
    entries: list[FeedEntry]
    next_before: int | None
    locale: str


def _pair(session: Session, app_id: int, player: str, other: str) -> tuple[Player, Player]:
    if player == other:
        raise InvalidInput(
            "a player cannot do this to themselves",
            errors=[{"loc": ["path", "other_id"], "message": "must differ from the player"}],
        )
    return find_player(session, app_id, player), find_player(session, app_id, other)


# -- follows -----------------------------------------------------------------------------


def follow(session: Session, app_id: int, player: str, other: str) -> bool:
    """`player` follows `other`; True if new. Refused across a block, either way."""
    follower, followee = _pair(session, app_id, player, other)
    if store.blocked_either_way(session, follower.id, followee.id):
        raise Refused(BLOCKED, f"'{player}' and '{other}' cannot follow each other: blocked")
    if store.follow_counts(session, follower.id)[0] >= MAX_FOLLOWING:
        raise Refused("limit_reached", f"a player follows at most {MAX_FOLLOWING} players")
    return store.add_follow(session, app_id, follower.id, followee.id, datetime.now(UTC))


def unfollow(session: Session, app_id: int, player: str, other: str) -> bool:
    follower, followee = _pair(session, app_id, player, other)
    return store.remove_follows(session, [(follower.id, followee.id)]) > 0


def follow_list(
    session: Session, app_id: int, player: str, *, followers: bool, before: int | None, limit: int
) -> LinkPage:
    found = find_player(session, app_id, player)
    links = store.follow_page(
        session, found.id, followers=followers, before=before, limit=limit + 1
    )
    return LinkPage(*split_page(links, limit, _link_key))


def _link_key(link: Link) -> int:
    return link.cursor


def counts(session: Session, player_id: int) -> Counts:
    following, followers = store.follow_counts(session, player_id)
    return Counts(following, followers, store.is_private(session, player_id))


def player_fields(session: Session, player_id: int) -> dict[str, Any]:
    """The player resource's share of this module (`GET /v1/players/{id}`)."""
    found = counts(session, player_id)
    return {
        "following": found.following,
        "followers": found.followers,
        "private_profile": found.private,
    }


# -- blocks and privacy ------------------------------------------------------------------


def block(session: Session, app_id: int, player: str, other: str) -> bool:
    """`player` blocks `other`: the follows between them go, both ways, and neither can
    follow the other (nor see the other's activity) until it is lifted."""
    blocker, blocked = _pair(session, app_id, player, other)
    store.remove_follows(session, [(blocker.id, blocked.id), (blocked.id, blocker.id)])
    return store.add_block(session, app_id, blocker.id, blocked.id, datetime.now(UTC))


def unblock(session: Session, app_id: int, player: str, other: str) -> bool:
    blocker, blocked = _pair(session, app_id, player, other)
    return store.remove_block(session, blocker.id, blocked.id)


def block_list(
    session: Session, app_id: int, player: str, *, before: int | None, limit: int
) -> LinkPage:
    found = find_player(session, app_id, player)
    links = store.block_page(session, found.id, before=before, limit=limit + 1)
    return LinkPage(*split_page(links, limit, _link_key))


def set_private(session: Session, app_id: int, player: str, private: bool) -> Counts:
    found = find_player(session, app_id, player)
    store.set_private(session, app_id, found.id, private, datetime.now(UTC))
    return counts(session, found.id)


def circle(session: Session, app_id: int, player: str) -> CircleQuery:
    """The players a friends leaderboard ranks: those `player` follows (private profiles
    left out), and the player."""
    return store.circle(find_player(session, app_id, player).id)


# -- the feed and cheers -----------------------------------------------------------------


def _entries(
    shown: list[store.StoredEntry],
    next_before: int | None,
    cheered: set[int],
    design: CompiledDesign | None,
    locale: str,
) -> FeedPage:
    entries = [
        FeedEntry(
            id=row.id,
            player=row.player,
            display_name=row.display_name,
            kind=row.kind,
            message=message(row.kind, row.data, row.display_name or row.player, design, locale),
            data=row.data,
            cheers=row.cheers,
            cheered=row.id in cheered,
            created_at=row.created_at,
        )
        for row in shown
    ]
    return FeedPage(entries, next_before, locale)


def _entry_key(row: store.StoredEntry) -> int:
    return row.id


def feed(
    session: Session,
    app_id: int,
    design: CompiledDesign | None,
    player: str,
    *,
    before: int | None,
    limit: int,
    locale: str | None,
) -> FeedPage:
    """The entries of the players `player` follows, newest first, in the reader's words."""
    reader = store.reader(session, app_id, player)
    if reader is None:
        raise UnknownPlayer(player)
    rows, cheered = store.feed_page(session, reader, before=before, limit=limit + 1)
    shown, next_before = split_page(rows, limit, _entry_key)
    words = reading_locale(locale, reader.locale, design)
    return _entries(shown, next_before, cheered, design, words)


def activity(
    session: Session,
    app_id: int,
    design: CompiledDesign | None,
    player: str,
    *,
    viewer: str | None,
    before: int | None,
    limit: int,
    locale: str | None,
) -> FeedPage:
    """One player's own entries, newest first. With a `viewer`, as that player may see
    them: not across a block, and not a private profile's (but one's own)."""
    owner = find_player(session, app_id, player)
    reader = find_player(session, app_id, viewer) if viewer is not None else None
    if reader is not None and reader.id != owner.id:
        if store.blocked_either_way(session, owner.id, reader.id):
            raise Forbidden(f"'{viewer}' may not see the activity of '{player}'")
        if store.is_private(session, owner.id):
            raise Forbidden(f"the profile of '{player}' is private")
    rows = store.activity_page(session, owner.id, before=before, limit=limit + 1)
    shown, next_before = split_page(rows, limit, _entry_key)
    cheered = store.cheered(session, reader.id, [row.id for row in shown]) if reader else set()
    words = reading_locale(locale, (reader or owner).locale, design)
    return _entries(shown, next_before, cheered, design, words)


def _visible_entry(session: Session, app_id: int, cheerer: Player, entry_id: int) -> Any:
    found = store.entry(session, app_id, entry_id)
    if found is None:
        raise NotFound(f"no activity entry {entry_id}")
    if found.player_id == cheerer.id:
        raise InvalidInput(
            "a player cannot cheer their own activity",
            errors=[{"loc": ["path", "entry_id"], "message": "an entry of someone else"}],
        )
    if store.blocked_either_way(session, found.player_id, cheerer.id) or store.is_private(
        session, found.player_id
    ):
        raise NotFound(f"no activity entry {entry_id}")  # as if it were not there
    return found


def cheer(
    session: Session, app_id: int, player: str, entry_id: int, notify: Notifier | None
) -> tuple[int, bool]:
    """`player` cheers an entry (once: again changes nothing); returns (cheers, new).
    The entry's player is told, when notifications are installed."""
    cheerer = find_player(session, app_id, player)
    found = _visible_entry(session, app_id, cheerer, entry_id)
    added = store.add_cheer(session, app_id, entry_id, cheerer.id, datetime.now(UTC))
    if added and notify is not None:
        name = cheerer.display_name or cheerer.external_id
        notify(
            session,
            found.player_id,
            {locale: text.replace("{name}", name) for locale, text in CHEERED.items()},
            {"entry_id": entry_id, "player": cheerer.external_id},
            f"cheer:{entry_id}:{cheerer.id}",
        )
    return store.cheer_count(session, entry_id), added


def uncheer(session: Session, app_id: int, player: str, entry_id: int) -> int:
    cheerer = find_player(session, app_id, player)
    if store.entry(session, app_id, entry_id) is None:
        raise NotFound(f"no activity entry {entry_id}")
    store.remove_cheer(session, entry_id, cheerer.id)
    return store.cheer_count(session, entry_id)
