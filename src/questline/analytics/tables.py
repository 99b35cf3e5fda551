"""The module's tables, on the shared declarative base (so Alembic sees them).

`analytics_counts` holds one number per (app, figure, day, key): events and awards per
day, distinct active players per day, ISO week and month (keyed by the period's first
day), new players per day and how many of a day's new players came back on day N.
`analytics_activity` remembers which periods each player was active in and
`analytics_players` each player's first day, so the worker can tell a player's first
event of a period or of all time from a repeat, under the batch's player locks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from questline.storage.models import Base
from questline.storage.types import BigId

# Read and upserted by their key only: clustered on it in SQLite (WITHOUT ROWID).
_CLUSTERED = {"sqlite_with_rowid": False}


class CountRow(Base):
    __tablename__ = "analytics_counts"
    __table_args__ = (_CLUSTERED,)

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    # events, awarded, active, new_players, retained
    figure: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # awarded: the currency; active: day, week or month; retained: the day number; else ""
    key: Mapped[str] = mapped_column(String(63), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class ActivityRow(Base):
    __tablename__ = "analytics_activity"
    __table_args__ = (_CLUSTERED,)

    # No foreign key to players: it would cost a lookup per row written, and these rows
    # are rebuilt from the event log, whose rows have one.
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    player_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    period: Mapped[str] = mapped_column(String(5), primary_key=True)  # day, week, month
    start: Mapped[date] = mapped_column(Date, primary_key=True)


class FirstDayRow(Base):
    __tablename__ = "analytics_players"
    __table_args__ = (_CLUSTERED,)

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    player_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    first_day: Mapped[date] = mapped_column(Date)


class SnapshotRow(Base):
    """A distribution of the players' current state, as the periodic job last found it."""

    __tablename__ = "analytics_snapshots"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id"), primary_key=True)
    figure: Mapped[str] = mapped_column(String(16), primary_key=True)
    as_of: Mapped[datetime]
    data: Mapped[dict[str, Any]]
