"""The tables. Balances, metric counters and rule state are projections of the
ledger and the event log; the event log and config versions are the source of truth."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from questline.storage.types import BigId, Json, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: Json,
        list[Any]: Json,
    }


class App(Base):
    __tablename__ = "apps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # Per-app access settings (player event types, rate limits, CORS origins).
    settings: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'"))


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(32))  # shown in lists and logs
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]]
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Player(Base):
    __tablename__ = "players"
    __table_args__ = (UniqueConstraint("app_id", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))
    avatar_url: Mapped[str | None] = mapped_column(String(2000))  # a picture the host app serves
    time_zone: Mapped[str] = mapped_column(String(64), server_default="UTC")
    locale: Mapped[str | None] = mapped_column(String(35))
    attributes: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    erased_at: Mapped[datetime | None]  # personal data removed on the player's request


class Event(Base):
    """The append-only event log. Only the processing columns are ever updated."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("app_id", "key"),
        Index("ix_events_player_seq", "player_id", "seq"),
        Index(
            "ix_events_pending",
            "seq",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    key: Mapped[str] = mapped_column(String(200))  # the client's idempotency key
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    type: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
    time_zone: Mapped[str] = mapped_column(String(64))
    properties: Mapped[dict[str, Any]]
    item_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # pending | processed | failed
    processed_at: Mapped[datetime | None]
    config_version: Mapped[int | None]
    effects: Mapped[list[Any] | None]
    error: Mapped[str | None] = mapped_column(Text)


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("app_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(63))
    attributes: Mapped[dict[str, Any]]
    names: Mapped[dict[str, Any]]
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class ConfigVersion(Base):
    __tablename__ = "config_versions"
    __table_args__ = (UniqueConstraint("app_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    version: Mapped[int]
    document: Mapped[dict[str, Any]]
    source: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # The achievement backfill of this version: when a run last said it was alive, and
    # when one ran to the end (None until then; periodic.py resumes the unfinished).
    backfill_alive_at: Mapped[datetime | None]
    backfilled_at: Mapped[datetime | None]
    # The dry run the publisher checked this document with (`PUT /v1/config?dry_run=`).
    # No foreign key: a plain reference, kept as history.
    dry_run_id: Mapped[int | None]


class DryRun(Base):
    """A replay of the event log through a draft design (`services.dry_runs`): it writes
    this row and nothing else. `report` grows while it runs and is final once finished."""

    __tablename__ = "dry_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # pending, running, finished, failed
    document: Mapped[dict[str, Any]]
    since: Mapped[datetime | None]
    players: Mapped[list[Any] | None]
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    players_total: Mapped[int | None]
    players_done: Mapped[int]
    report: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    # A runner notes it is alive after each chunk; one silent too long is run again
    # (`processing.periodic`), and only the latest attempt may write the row.
    alive_at: Mapped[datetime | None]
    attempt: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class ScheduledPublish(Base):
    """A design published at a future time and withdrawn at a later one
    (`services.schedules`); the periodic job makes each switch as an ordinary publish."""

    __tablename__ = "scheduled_publishes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), index=True)
    # scheduled, active, ended, superseded, missed, cancelled
    status: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, Any]]
    comment: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    previous_version: Mapped[int | None]  # current when it started: what its end restores
    started_version: Mapped[int | None]
    ended_version: Mapped[int | None]


class LedgerEntry(Base):
    """Append-only. The unique key makes a second award for one event impossible."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("event_seq", "cause_id", "currency"),
        Index("ix_ledger_entries_player_id", "player_id", "id"),
        # A unique index rather than a constraint: SQLite adds one without copying the table.
        Index("uq_ledger_entries_purchase", "purchase_id", "cause", "currency", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    currency: Mapped[str] = mapped_column(String(63))
    amount: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    # rule | achievement | quest | manual | purchase | refund
    cause: Mapped[str] = mapped_column(String(16))
    cause_id: Mapped[str] = mapped_column(String(100))
    event_seq: Mapped[int | None] = mapped_column(ForeignKey("events.seq"))
    # A purchase's debits, the currencies it gave, and their refund.
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("purchases.id"))
    config_version: Mapped[int | None]
    explanation: Mapped[str] = mapped_column(Text)
    breakdown: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


# Tables keyed by (player, …) and read and upserted by that key only are clustered on
# it in SQLite (WITHOUT ROWID): one B-tree instead of a table plus a key index.
_CLUSTERED = {"sqlite_with_rowid": False}


class Balance(Base):
    __tablename__ = "balances"
    __table_args__ = (_CLUSTERED,)

    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(63), primary_key=True)
    balance: Mapped[int] = mapped_column(BigInteger)
    earned: Mapped[int] = mapped_column(BigInteger)
    # Paid for purchases, less what refunds gave back (the worker never writes it).
    spent: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))


class Counter(Base):
    __tablename__ = "counters"
    __table_args__ = (_CLUSTERED,)

    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class RuleState(Base):
    __tablename__ = "rule_states"
    __table_args__ = (_CLUSTERED,)

    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_fired_at: Mapped[datetime]


# Achievements, streaks and quests. An award's unique key is what makes a second award
# of the same (achievement, tier, period) impossible, whatever the processing does.


class AchievementAward(Base):
    __tablename__ = "achievement_awards"
    __table_args__ = (
        UniqueConstraint(
            "app_id",
            "player_id",
            "achievement",
            "tier",
            "period",
            name="uq_achievement_awards_once",
        ),
        Index("ix_achievement_awards_holders", "app_id", "achievement", "tier"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    achievement: Mapped[str] = mapped_column(String(100))
    tier: Mapped[str] = mapped_column(String(31))  # "" for an achievement without tiers
    period: Mapped[str] = mapped_column(String(16))  # "all", or the day or week it repeats in
    value: Mapped[int] = mapped_column(BigInteger)
    target: Mapped[int] = mapped_column(BigInteger)
    rewards: Mapped[dict[str, Any]]
    breakdown: Mapped[dict[str, Any]]
    event_seq: Mapped[int | None] = mapped_column(ForeignKey("events.seq"))
    config_version: Mapped[int | None]
    awarded_at: Mapped[datetime]


class StreakRow(Base):
    __tablename__ = "streaks"
    __table_args__ = (_CLUSTERED,)

    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(63), primary_key=True)
    current: Mapped[int]
    longest: Mapped[int]
    started_on: Mapped[date | None] = mapped_column(Date)
    last_on: Mapped[date | None] = mapped_column(Date)
    last_zone: Mapped[str | None] = mapped_column(String(64))
    freezes: Mapped[int]
    since_grant: Mapped[int]
    broken_length: Mapped[int]
    broken_started_on: Mapped[date | None] = mapped_column(Date)


class StreakFreezeUse(Base):
    """A freeze spent on a missed period: which one it covered, and when."""

    __tablename__ = "streak_freeze_uses"
    __table_args__ = (UniqueConstraint("player_id", "key", "covered"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    key: Mapped[str] = mapped_column(String(63))
    covered: Mapped[date] = mapped_column(Date)
    event_seq: Mapped[int | None] = mapped_column(ForeignKey("events.seq"))
    used_at: Mapped[datetime]


class QuestCompletion(Base):
    __tablename__ = "quest_completions"
    __table_args__ = (UniqueConstraint("player_id", "quest", "instance"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    quest: Mapped[str] = mapped_column(String(100))
    instance: Mapped[str] = mapped_column(String(16))
    objectives: Mapped[dict[str, Any]]
    rewards: Mapped[dict[str, Any]]
    event_seq: Mapped[int | None] = mapped_column(ForeignKey("events.seq"))
    completed_at: Mapped[datetime]


class QuestJoin(Base):
    __tablename__ = "quest_joins"
    __table_args__ = (_CLUSTERED,)

    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    quest: Mapped[str] = mapped_column(String(100), primary_key=True)
    joined_at: Mapped[datetime]


class User(Base):
    """A console user: signs in with email and password, has a role in some apps."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class Membership(Base):
    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class RefreshToken(Base):
    """One refresh token; ``family`` links every token rotated from one login."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ConsoleSession(Base):
    """A signed-in browser of the web console. The cookie holds a random secret; only its
    digest is stored, so a copy of this table opens no session. ``csrf_token`` is the
    synchronizer token every form and script of the session sends back with a write."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class AuditEntry(Base):
    """Append-only: who changed what, when, from what to what, under which request."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_app_id", "app_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(400))
    action: Mapped[str] = mapped_column(String(63))
    target_type: Mapped[str] = mapped_column(String(63))
    target_id: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    request_id: Mapped[str | None] = mapped_column(String(128))


class LeaderboardScore(Base):
    """A player's score in one run of one board: a projection of processed events,
    written in the transaction that processes them. `seq` is the event that last
    changed the score — the tie-break "first to reach the score ranks higher"."""

    __tablename__ = "leaderboard_scores"
    __table_args__ = (
        Index(
            "ix_leaderboard_scores_rank",
            "app_id",
            "board",
            "run",
            "hidden",
            "partition",
            text("score DESC"),
            "seq",
            "player_id",
        ),
    )

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    board: Mapped[str] = mapped_column(String(63), primary_key=True)
    run: Mapped[str] = mapped_column(String(32), primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    partition: Mapped[str] = mapped_column(String(200))  # "" unless partitioned
    hidden: Mapped[bool] = mapped_column(Boolean)  # the player opted out: on no board
    score: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(BigInteger)


class LeaderboardRun(Base):
    """A board's period. Finalized once, when it has ended: its standings are frozen."""

    __tablename__ = "leaderboard_runs"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    board: Mapped[str] = mapped_column(String(63), primary_key=True)
    run: Mapped[str] = mapped_column(String(32), primary_key=True)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    finalized_at: Mapped[datetime | None]
    players: Mapped[int | None] = mapped_column(BigInteger)  # counted when finalized


class LeaderboardBucket(Base):
    """How many visible players of a board run score within each bucket of scores
    (see leaderboards/buckets.py): ranks without counting the whole board."""

    __tablename__ = "leaderboard_buckets"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    board: Mapped[str] = mapped_column(String(63), primary_key=True)
    run: Mapped[str] = mapped_column(String(32), primary_key=True)
    partition: Mapped[str] = mapped_column(String(200), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    players: Mapped[int] = mapped_column(BigInteger)


class LeaderboardHidden(Base):
    """Players who opted out of leaderboards: kept off every board, ranks of others close up."""

    __tablename__ = "leaderboard_hidden"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    hidden_at: Mapped[datetime]


class LeaderboardCount(Base):
    """How many players are on a board run (per partition, hidden players not counted)."""

    __tablename__ = "leaderboard_counts"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    board: Mapped[str] = mapped_column(String(63), primary_key=True)
    run: Mapped[str] = mapped_column(String(32), primary_key=True)
    partition: Mapped[str] = mapped_column(String(200), primary_key=True)
    players: Mapped[int] = mapped_column(BigInteger)


class LeagueMember(Base):
    """A player's league tier, carried from week to week."""

    __tablename__ = "league_members"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    tier: Mapped[int]


class LeagueGroup(Base):
    """A cohort of one tier in one league week. Finalized once, at the rollover."""

    __tablename__ = "league_groups"
    __table_args__ = (Index("ix_league_groups_open", "app_id", "week", "tier", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"))
    week: Mapped[str] = mapped_column(String(10))
    tier: Mapped[int]
    size: Mapped[int]
    finalized_at: Mapped[datetime | None]


class LeagueEntry(Base):
    """A player's week in a group: their score, then their final rank and outcome."""

    __tablename__ = "league_entries"
    __table_args__ = (Index("ix_league_entries_group_id", "group_id"),)

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    week: Mapped[str] = mapped_column(String(10), primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("players.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("league_groups.id"))
    score: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(BigInteger)
    rank: Mapped[int | None]
    outcome: Mapped[str | None] = mapped_column(String(16))  # promoted | demoted | stayed
