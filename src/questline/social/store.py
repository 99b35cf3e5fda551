# Statements are assembled from constant fragments only; every value is a parameter.
# ruff: noqa: S608
"""The module's queries. Each takes the caller's session; none commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from questline.leaderboards.store import CircleQuery
from questline.social.model import NewEntry
from questline.social.tables import BlockRow, CheerRow, EntryRow, FollowRow, ProfileRow
from questline.storage.bulk import BulkWriter
from questline.storage.models import Player
from questline.storage.types import loads_json


@dataclass(frozen=True, slots=True)
class Link:
    """One follow or block as a list shows it: the other player and since when."""

    cursor: int
    player: str
    display_name: str | None
    since: datetime


@dataclass(frozen=True, slots=True)
class StoredEntry:
    id: int
    player: str
    display_name: str | None
    kind: str
    data: dict[str, Any]
    cheers: int
    created_at: datetime


def _insert(session: Session) -> Any:
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


# -- follows -----------------------------------------------------------------------------


def add_follow(session: Session, app_id: int, follower: int, followee: int, now: datetime) -> bool:
    """Follow; False if already following (a concurrent twin included)."""
    result = session.execute(
        _insert(session)(FollowRow)
        .values(app_id=app_id, follower_id=follower, followee_id=followee, created_at=now)
        .on_conflict_do_nothing(index_elements=["follower_id", "followee_id"])
        .returning(FollowRow.id)
    )
    return result.first() is not None


def remove_follows(session: Session, pairs: Iterable[tuple[int, int]]) -> int:
    removed = 0
    for follower, followee in pairs:
        result = session.execute(
            delete(FollowRow).where(
                FollowRow.follower_id == follower, FollowRow.followee_id == followee
            )
        )
        removed += result.rowcount  # type: ignore[attr-defined]
    return removed


def follow_page(
    session: Session, player_id: int, *, followers: bool, before: int | None, limit: int
) -> list[Link]:
    """Whom the player follows (or who follows them), most recent first."""
    mine = FollowRow.followee_id if followers else FollowRow.follower_id
    other = FollowRow.follower_id if followers else FollowRow.followee_id
    statement = (
        select(FollowRow.id, Player.external_id, Player.display_name, FollowRow.created_at)
        .join(Player, Player.id == other)
        .where(mine == player_id)
        .order_by(FollowRow.id.desc())
        .limit(limit)
    )
    if before is not None:
        statement = statement.where(FollowRow.id < before)
    return [Link(*row) for row in session.execute(statement)]


def follow_counts(session: Session, player_id: int) -> tuple[int, int]:
    following = session.scalar(
        select(func.count()).select_from(FollowRow).where(FollowRow.follower_id == player_id)
    )
    followers = session.scalar(
        select(func.count()).select_from(FollowRow).where(FollowRow.followee_id == player_id)
    )
    return following or 0, followers or 0


def follows(session: Session, follower: int, followee: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(FollowRow.follower_id == follower, FollowRow.followee_id == followee)
            )
        )
    )


_CIRCLE = (
    "SELECT f.followee_id FROM social_follows f WHERE f.follower_id = ? AND NOT EXISTS"
    " (SELECT 1 FROM social_profiles s WHERE s.player_id = f.followee_id AND s.private)"
    " UNION ALL SELECT ?"
)


def circle(player_id: int) -> CircleQuery:
    """The players someone follows whose profile is not private, and them: a subquery
    the leaderboard store ranks in one indexed read (`(follower_id, followee_id)`)."""
    return CircleQuery(_CIRCLE, (player_id, player_id), owner=player_id)


# -- blocks and privacy ------------------------------------------------------------------


def add_block(session: Session, app_id: int, blocker: int, blocked: int, now: datetime) -> bool:
    result = session.execute(
        _insert(session)(BlockRow)
        .values(app_id=app_id, blocker_id=blocker, blocked_id=blocked, created_at=now)
        .on_conflict_do_nothing(index_elements=["blocker_id", "blocked_id"])
        .returning(BlockRow.blocker_id)
    )
    return result.first() is not None


def remove_block(session: Session, blocker: int, blocked: int) -> bool:
    result = session.execute(
        delete(BlockRow).where(BlockRow.blocker_id == blocker, BlockRow.blocked_id == blocked)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def blocked_either_way(session: Session, one: int, other: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    or_(
                        and_(BlockRow.blocker_id == one, BlockRow.blocked_id == other),
                        and_(BlockRow.blocker_id == other, BlockRow.blocked_id == one),
                    )
                )
            )
        )
    )


def block_page(session: Session, player_id: int, *, before: int | None, limit: int) -> list[Link]:
    """Whom the player blocked, by the blocked player's internal id (a stable cursor)."""
    statement = (
        select(BlockRow.blocked_id, Player.external_id, Player.display_name, BlockRow.created_at)
        .join(Player, Player.id == BlockRow.blocked_id)
        .where(BlockRow.blocker_id == player_id)
        .order_by(BlockRow.blocked_id.desc())
        .limit(limit)
    )
    if before is not None:
        statement = statement.where(BlockRow.blocked_id < before)
    return [Link(*row) for row in session.execute(statement)]


def _is_private(player_id: Any) -> Any:
    return exists().where(ProfileRow.player_id == player_id, ProfileRow.private.is_(True))


def is_private(session: Session, player_id: int) -> bool:
    return bool(session.scalar(select(_is_private(player_id))))


def set_private(
    session: Session, app_id: int, player_id: int, private: bool, now: datetime
) -> None:
    statement = _insert(session)(ProfileRow).values(
        app_id=app_id, player_id=player_id, private=private, updated_at=now
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["player_id"], set_={"private": private, "updated_at": now}
        )
    )


# -- activity ----------------------------------------------------------------------------


def add_entries(
    session: Session, rows: Sequence[tuple[int, int, int | None, datetime, NewEntry]]
) -> None:
    """(app, player, event seq, when, entry) rows, written in one statement."""
    if rows:
        session.execute(
            insert(EntryRow),
            [
                {
                    "app_id": app_id,
                    "player_id": player_id,
                    "kind": entry.kind,
                    "data": entry.data,
                    "event_seq": seq,
                    "cheers": 0,
                    "created_at": at,
                }
                for app_id, player_id, seq, at, entry in rows
            ],
        )


_ENTRY_COLUMNS = (
    EntryRow.id,
    Player.external_id,
    Player.display_name,
    EntryRow.kind,
    EntryRow.data,
    EntryRow.cheers,
    EntryRow.created_at,
)


# The feed is fanned out on read (docs/operations.md): the ids of the page's entries
# first, from an index alone, then those 20 or so rows joined to their players, with
# whether the reader cheered each. Raw SQL on the project's bulk path: the statement is
# fixed, and building it in SQLAlchemy each time cost more than running it. Two ways to
# find the ids, chosen by how many players the reader follows (measured in
# bench/social.py): few, and each one's entries come by `(player_id, id)`, newest first,
# merged and cut at the page; many, and the newest entries of all are walked by id, each
# checked against the reader's follows by `(follower_id, followee_id)`, until the page
# is full (the more players followed, the sooner).
_NOT_PRIVATE = "NOT EXISTS (SELECT 1 FROM social_profiles s WHERE s.player_id = {} AND s.private)"
_BY_PLAYER = (
    "SELECT e.id FROM activity_entries e WHERE e.player_id IN (SELECT f.followee_id"
    " FROM social_follows f WHERE f.follower_id = ? AND "
    + _NOT_PRIVATE.format("f.followee_id")
    + ") AND e.id < ? ORDER BY e.id DESC LIMIT ?"
)
# PostgreSQL plans the `IN` above as the walk by id below; a lateral join keeps it on
# each followee's index range, a page at most from each.
_BY_PLAYER_LATERAL = (
    "SELECT e.id FROM social_follows f CROSS JOIN LATERAL (SELECT e.id"
    " FROM activity_entries e WHERE e.player_id = f.followee_id AND e.id < ?"
    " ORDER BY e.id DESC LIMIT ?) e WHERE f.follower_id = ? AND "
    + _NOT_PRIVATE.format("f.followee_id")
    + " ORDER BY e.id DESC LIMIT ?"
)
_BY_ID = (
    "SELECT e.id FROM activity_entries e WHERE e.id < ? AND EXISTS (SELECT 1"
    " FROM social_follows f WHERE f.follower_id = ? AND f.followee_id = e.player_id) AND "
    + _NOT_PRIVATE.format("e.player_id")
    + " ORDER BY e.id DESC LIMIT ?"
)
_PAGE = (
    "SELECT x.id, p.external_id, p.display_name, x.kind, x.data, x.cheers, x.created_at,"
    " EXISTS (SELECT 1 FROM activity_cheers c WHERE c.entry_id = x.id AND c.player_id = ?)"
    " FROM activity_entries x JOIN players p ON p.id = x.player_id WHERE x.id IN ({})"
    " ORDER BY x.id DESC"
)
_FEED_BY_PLAYER = _PAGE.format(_BY_PLAYER)
_FEED_BY_PLAYER_LATERAL = _PAGE.format(_BY_PLAYER_LATERAL)
_FEED_BY_ID = _PAGE.format(_BY_ID)
SCAN_ABOVE = 1000  # followed players past which the feed walks the entries by id
_LAST_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Reader:
    id: int
    locale: str | None
    following: int


def reader(session: Session, app_id: int, player: str) -> Reader | None:
    """A feed's reader and how many players they follow (which chooses the plan)."""
    found = BulkWriter(session).fetch(
        "SELECT p.id, p.locale, (SELECT COUNT(*) FROM social_follows f"
        " WHERE f.follower_id = p.id) FROM players p WHERE p.app_id = ? AND p.external_id = ?",
        app_id,
        player,
    )
    return Reader(*found[0]) if found else None


def feed_page(
    session: Session, reader: Reader, *, before: int | None, limit: int
) -> tuple[list[StoredEntry], set[int]]:
    """The entries of the players the reader follows, newest first, without private
    players', and which of them the reader cheered."""
    last, bulk = before or _LAST_ID, BulkWriter(session)
    if reader.following > SCAN_ABOVE:
        rows = bulk.fetch(_FEED_BY_ID, reader.id, last, reader.id, limit)
    elif bulk.postgres:
        rows = bulk.fetch(_FEED_BY_PLAYER_LATERAL, reader.id, last, limit, reader.id, limit)
    else:
        rows = bulk.fetch(_FEED_BY_PLAYER, reader.id, reader.id, last, limit)
    entries = [
        StoredEntry(
            id,
            player,
            name,
            kind,
            data if isinstance(data, dict) else loads_json(data),
            cheers,
            _aware(created_at),
        )
        for id, player, name, kind, data, cheers, created_at, _ in rows
    ]
    return entries, {row[0] for row in rows if row[7]}


def _aware(value: datetime | str) -> datetime:
    # PostgreSQL hands back an aware datetime; SQLite the text UTCDateTime stored.
    found = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)


def activity_page(
    session: Session, player_id: int, *, before: int | None, limit: int
) -> list[StoredEntry]:
    statement = (
        select(*_ENTRY_COLUMNS)
        .join(Player, Player.id == EntryRow.player_id)
        .where(EntryRow.player_id == player_id)
        .order_by(EntryRow.id.desc())
        .limit(limit)
    )
    if before is not None:
        statement = statement.where(EntryRow.id < before)
    return [StoredEntry(*row) for row in session.execute(statement)]


def entry(session: Session, app_id: int, entry_id: int) -> EntryRow | None:
    return session.scalar(
        select(EntryRow).where(EntryRow.id == entry_id, EntryRow.app_id == app_id)
    )


def cheered(session: Session, reader: int, entry_ids: Sequence[int]) -> set[int]:
    if not entry_ids:
        return set()
    return set(
        session.scalars(
            select(CheerRow.entry_id).where(
                CheerRow.player_id == reader, CheerRow.entry_id.in_(entry_ids)
            )
        )
    )


def add_cheer(session: Session, app_id: int, entry_id: int, player_id: int, now: datetime) -> bool:
    result = session.execute(
        _insert(session)(CheerRow)
        .values(app_id=app_id, entry_id=entry_id, player_id=player_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["entry_id", "player_id"])
        .returning(CheerRow.entry_id)
    )
    added = result.first() is not None
    if added:
        session.execute(
            update(EntryRow).where(EntryRow.id == entry_id).values(cheers=EntryRow.cheers + 1)
        )
    return added


def remove_cheer(session: Session, entry_id: int, player_id: int) -> bool:
    result = session.execute(
        delete(CheerRow).where(CheerRow.entry_id == entry_id, CheerRow.player_id == player_id)
    )
    removed = bool(result.rowcount)  # type: ignore[attr-defined]
    if removed:
        session.execute(
            update(EntryRow).where(EntryRow.id == entry_id).values(cheers=EntryRow.cheers - 1)
        )
    return removed


def cheer_count(session: Session, entry_id: int) -> int:
    return session.scalar(select(EntryRow.cheers).where(EntryRow.id == entry_id)) or 0


# -- privacy -----------------------------------------------------------------------------


def erase(session: Session, player_id: int) -> None:
    """The player's follows both ways, blocks both ways, profile, entries (with the
    cheers on them) and their cheers of others' entries (whose counts go down)."""
    theirs = select(CheerRow.entry_id).where(CheerRow.player_id == player_id)
    session.execute(
        update(EntryRow).where(EntryRow.id.in_(theirs)).values(cheers=EntryRow.cheers - 1)
    )
    session.execute(delete(CheerRow).where(CheerRow.player_id == player_id))
    own = select(EntryRow.id).where(EntryRow.player_id == player_id)
    session.execute(delete(CheerRow).where(CheerRow.entry_id.in_(own)))
    session.execute(delete(EntryRow).where(EntryRow.player_id == player_id))
    session.execute(
        delete(FollowRow).where(
            or_(FollowRow.follower_id == player_id, FollowRow.followee_id == player_id)
        )
    )
    session.execute(
        delete(BlockRow).where(
            or_(BlockRow.blocker_id == player_id, BlockRow.blocked_id == player_id)
        )
    )
    session.execute(delete(ProfileRow).where(ProfileRow.player_id == player_id))


def export(session: Session, player_id: int) -> dict[str, Any]:
    def others(column: Any, mine: Any) -> list[str]:
        return list(
            session.scalars(
                select(Player.external_id)
                .join_from(FollowRow, Player, Player.id == column)
                .where(mine == player_id)
            )
        )

    return {
        "private": is_private(session, player_id),
        "following": others(FollowRow.followee_id, FollowRow.follower_id),
        "followers": others(FollowRow.follower_id, FollowRow.followee_id),
        "blocked": [
            link.player for link in block_page(session, player_id, before=None, limit=10**6)
        ],
        "activity": [
            {"kind": e.kind, "data": e.data, "cheers": e.cheers, "created_at": e.created_at}
            for e in activity_page(session, player_id, before=None, limit=10**6)
        ],
        "cheered": list(
            session.scalars(select(CheerRow.entry_id).where(CheerRow.player_id == player_id))
        ),
    }
