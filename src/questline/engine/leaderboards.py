"""Leaderboards in the game design: what a board ranks by, over which period, and how
ties rank. Pure: no I/O. The stores that hold the standings live in
`questline.leaderboards`.

A board's period is cut into *runs* in the board's own time zone: the week of a weekly
board starts at local midnight of its first weekday, whatever the server's clock says
and whether that week has 167, 168 or 169 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, ClassVar, Protocol, Self

from pydantic import Field, model_validator

from questline.engine.effects import CurrencyAwarded, Effect, MetricIncremented
from questline.engine.mechanics_effects import ScoreChanged, StreakBroken, StreakExtended
from questline.engine.periods import ALL_TIME, OUTSIDE_UTC, fits_utc, is_valid_zone, zone
from questline.engine.spec import SpecModel


class BoardPeriod(StrEnum):
    ALL = "all"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    WINDOW = "window"
    ROLLING = "rolling"  # the last `days` local days, today included


ROLLING_RUN = "rolling"


class Ranking(StrEnum):
    COMPETITION = "competition"  # 1, 2, 2, 4
    DENSE = "dense"  # 1, 2, 2, 3
    ORDINAL = "ordinal"  # 1, 2, 3, 4: the first to reach a score ranks higher


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def number(self) -> int:
        """Monday is 0, as in `date.weekday()`."""
        return list(Weekday).index(self)


class Leaderboard(SpecModel):
    """One board as a designer writes it."""

    name: str | None = None
    rank_by: Annotated[str, Field(pattern=r"^[a-z]+\.[a-z][a-z0-9_]{0,62}$")] = Field(
        description="what the board ranks by: currency.<key> or metric.<key>"
    )
    period: BoardPeriod = BoardPeriod.ALL
    time_zone: str = "UTC"
    week_starts: Weekday = Weekday.MONDAY
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    days: Annotated[int, Field(ge=1, le=366)] | None = Field(
        default=None, description="period: rolling — how many local days, today included"
    )
    ranking: Ranking = Ranking.COMPETITION
    partition_by: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")] | None = Field(
        default=None,
        description="a player attribute (team, country): each value is a board of its own",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not is_valid_zone(self.time_zone):
            raise ValueError(f"unknown time zone '{self.time_zone}' (use an IANA name)")
        window = self.period is BoardPeriod.WINDOW
        if window and (self.starts_at is None or self.ends_at is None):
            raise ValueError("a 'window' board needs both 'starts_at' and 'ends_at'")
        if not window and (self.starts_at is not None or self.ends_at is not None):
            raise ValueError("'starts_at' and 'ends_at' are only for period: window")
        for bound in (self.starts_at, self.ends_at):
            if bound is not None and bound.tzinfo is None:
                raise ValueError("window bounds need a UTC offset, e.g. 2026-12-01T00:00:00Z")
            if bound is not None and not fits_utc(bound):
                raise ValueError(OUTSIDE_UTC.format(bound.isoformat()))
        if window and self.starts_at and self.ends_at and self.starts_at >= self.ends_at:
            raise ValueError("'starts_at' must be before 'ends_at'")
        rolling = self.period is BoardPeriod.ROLLING
        if rolling and self.days is None:
            raise ValueError("a 'rolling' board needs 'days' (how many days it covers)")
        if not rolling and self.days is not None:
            raise ValueError("'days' is only for period: rolling")
        return self


# -- what a board ranks by -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one effect does to a player's score on a board: `add` to it, or `set` it to
    an absolute value (the value is then exact whatever happened before)."""

    value: int
    absolute: bool


class RankSource(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def key(self) -> str: ...

    # The kinds of effect that can contribute: any other contributes nothing.
    effect_types: ClassVar[tuple[type[Effect], ...]]

    def contribution(self, effect: Effect, period: BoardPeriod) -> Contribution | None: ...


@dataclass(frozen=True, slots=True)
class CurrencySource:
    """XP earned (positive awards only: spending gems does not lose you rank)."""

    key: str
    kind: str = "currency"
    effect_types: ClassVar[tuple[type[Effect], ...]] = (CurrencyAwarded,)

    def contribution(self, effect: Effect, period: BoardPeriod) -> Contribution | None:
        if not isinstance(effect, CurrencyAwarded) or effect.currency != self.key:
            return None
        if period is BoardPeriod.ALL:
            return Contribution(effect.earned_after, absolute=True)
        if effect.amount <= 0:
            return None
        return Contribution(effect.amount, absolute=False)


@dataclass(frozen=True, slots=True)
class MetricSource:
    key: str
    kind: str = "metric"
    effect_types: ClassVar[tuple[type[Effect], ...]] = (MetricIncremented,)

    def contribution(self, effect: Effect, period: BoardPeriod) -> Contribution | None:
        if not isinstance(effect, MetricIncremented) or effect.metric != self.key:
            return None
        if period is BoardPeriod.ALL and ALL_TIME in effect.values:
            return Contribution(effect.values[ALL_TIME], absolute=True)
        return Contribution(effect.by, absolute=False)


@dataclass(frozen=True, slots=True)
class StreakSource:
    """A streak's current length, whatever the board's period: the length it had when the
    player last extended it (or broke it) within the run."""

    key: str
    kind: str = "streak"
    effect_types: ClassVar[tuple[type[Effect], ...]] = (StreakExtended, StreakBroken)

    def contribution(self, effect: Effect, period: BoardPeriod) -> Contribution | None:  # noqa: ARG002
        if isinstance(effect, StreakExtended) and effect.streak == self.key:
            return Contribution(effect.current, absolute=True)
        if isinstance(effect, StreakBroken) and effect.streak == self.key:
            return Contribution(0, absolute=True)
        return None


@dataclass(frozen=True, slots=True)
class ScoreSource:
    """A score's value (rounded half-even to a whole number) as of the player's last
    event in the run that moved it."""

    key: str
    kind: str = "score"
    effect_types: ClassVar[tuple[type[Effect], ...]] = (ScoreChanged,)

    def contribution(self, effect: Effect, period: BoardPeriod) -> Contribution | None:  # noqa: ARG002
        if isinstance(effect, ScoreChanged) and effect.score == self.key:
            return Contribution(effect.value, absolute=True)
        return None


# The one place a new kind of rank source is added.
RankSourceType = type[CurrencySource] | type[MetricSource] | type[StreakSource] | type[ScoreSource]
RANK_SOURCES: dict[str, RankSourceType] = {
    "currency": CurrencySource,
    "metric": MetricSource,
    "streak": StreakSource,
    "score": ScoreSource,
}


def rank_source(rank_by: str) -> RankSource:
    kind, _, key = rank_by.partition(".")
    factory = RANK_SOURCES.get(kind)
    if factory is None:
        raise ValueError(
            f"cannot rank by '{kind}' (rank by one of: {', '.join(sorted(RANK_SOURCES))})"
        )
    return factory(key)


# -- runs ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """One period of a board. `key` names it in URLs: `all`, `window`, or the local date
    the run starts on (2026-11-16)."""

    key: str
    starts_at: datetime | None
    ends_at: datetime | None


def _midnight(day: date, time_zone: str) -> datetime:
    # Local midnight, resolved with the offset of that day (not of "now"), then in UTC:
    # arithmetic between two datetimes of one zoneinfo zone is wall-clock arithmetic
    # and would call every week 168 hours long.
    return datetime.combine(day, time(0), tzinfo=zone(time_zone)).astimezone(UTC)


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def run_at(board: Leaderboard, at: datetime) -> Run | None:
    """The run an instant belongs to, or None (before or after a window)."""
    if at.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    if board.period is BoardPeriod.ALL:
        return Run(ALL_TIME, None, None)
    if board.period is BoardPeriod.WINDOW:
        assert board.starts_at is not None
        assert board.ends_at is not None
        if board.starts_at <= at < board.ends_at:
            return Run("window", board.starts_at, board.ends_at)
        return None
    day = local_day(board, at)
    if board.period is BoardPeriod.ROLLING:
        assert board.days is not None
        start = day - timedelta(days=board.days - 1)
        end = day + timedelta(days=1)
        return Run(ROLLING_RUN, _midnight(start, board.time_zone), _midnight(end, board.time_zone))
    return calendar_run(board, day)


def local_day(board: Leaderboard, at: datetime) -> date:
    """The date `at` falls on in the board's time zone."""
    return at.astimezone(zone(board.time_zone)).date()


def calendar_run(board: Leaderboard, day: date) -> Run:
    """The run of a day, week or month board that holds the local date `day`: a run
    depends on the instant only through its local date."""
    if board.period is BoardPeriod.DAY:
        start, end = day, day + timedelta(days=1)
    elif board.period is BoardPeriod.WEEK:
        start = day - timedelta(days=(day.weekday() - board.week_starts.number) % 7)
        end = start + timedelta(days=7)
    else:
        start, end = day.replace(day=1), _first_of_next_month(day)
    return Run(
        start.isoformat(), _midnight(start, board.time_zone), _midnight(end, board.time_zone)
    )


def day_run_at(board: Leaderboard, at: datetime) -> Run:
    """The local day an instant falls on, as a run (a rolling board keeps one per day)."""
    return day_run(board, local_day(board, at))


def day_run(board: Leaderboard, day: date) -> Run:
    """A rolling board's run of the local date `day`."""
    return Run(
        day.isoformat(),
        _midnight(day, board.time_zone),
        _midnight(day + timedelta(days=1), board.time_zone),
    )


def run_named(board: Leaderboard, key: str) -> Run | None:
    """The run a key names, if the board can have such a run."""
    if board.period is BoardPeriod.ROLLING:
        if key == ROLLING_RUN:
            return Run(ROLLING_RUN, None, None)
        try:
            day = date.fromisoformat(key)
        except ValueError:
            return None
        day_run = day_run_at(board, _midnight(day, board.time_zone))
        return day_run if day_run.key == key else None
    if board.period is BoardPeriod.ALL:
        return Run(ALL_TIME, None, None) if key == ALL_TIME else None
    if board.period is BoardPeriod.WINDOW:
        return run_at(board, board.starts_at) if key == "window" and board.starts_at else None
    try:
        day = date.fromisoformat(key)
    except ValueError:
        return None
    found = run_at(board, _midnight(day, board.time_zone))
    return found if found is not None and found.key == key else None


# -- ranks -----------------------------------------------------------------------------


def assign_ranks(
    scores: list[int], ranking: Ranking, *, first_rank: int, first_position: int
) -> list[int]:
    """Ranks of consecutive entries of a board (best first), given the rank of the first
    and its position (1-based ordinal place on the whole board)."""
    ranks: list[int] = []
    for index, score in enumerate(scores):
        if index == 0:
            ranks.append(first_rank)
        elif ranking is Ranking.ORDINAL:
            ranks.append(first_position + index)
        elif score == scores[index - 1]:
            ranks.append(ranks[-1])
        elif ranking is Ranking.DENSE:
            ranks.append(ranks[-1] + 1)
        else:
            ranks.append(first_position + index)
    return ranks
