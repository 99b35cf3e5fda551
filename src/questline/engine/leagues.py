"""Weekly leagues in the game design, and how a finished group settles. Pure: no I/O.

Players are in a tier (Bronze … Diamond). The first time a player earns in a league
week they join a group of their tier (up to `group_size` players who started that week
around the same time). At the weekly rollover each group's standings are final: the top
`promote` of the group move up a tier, the bottom `demote` move down, the rest stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from questline.engine.leaderboards import Weekday
from questline.engine.periods import is_valid_zone, zone
from questline.engine.spec import SpecModel

TierName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]


class Tier(SpecModel):
    name: TierName
    promote: Annotated[int, Field(ge=0)] = 7
    demote: Annotated[int, Field(ge=0)] = 5


def _default_tiers() -> list[Tier]:
    names = [
        "bronze", "silver", "gold", "sapphire", "ruby",
        "emerald", "amethyst", "pearl", "obsidian", "diamond",
    ]  # fmt: skip
    tiers = [Tier(name=name, promote=7, demote=5) for name in names]
    tiers[0] = Tier(name="bronze", promote=10, demote=0)
    tiers[-1] = Tier(name="diamond", promote=0, demote=5)
    return tiers


class League(SpecModel):
    """The app's weekly league, as a designer writes it."""

    rank_by: Annotated[str, Field(pattern=r"^currency\.[a-z][a-z0-9_]{0,62}$")] = Field(
        description="the currency whose weekly earnings rank a group: currency.<key>"
    )
    tiers: Annotated[list[Tier], Field(min_length=2)] = Field(default_factory=_default_tiers)
    group_size: Annotated[int, Field(ge=2, le=1000)] = 30
    time_zone: str = "UTC"
    week_starts: Weekday = Weekday.MONDAY
    rollover_at: time = Field(default=time(0), description="local time the week turns over")

    @field_validator("rollover_at")
    @classmethod
    def _naive(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("rollover_at is a local time of day; the zone is time_zone")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not is_valid_zone(self.time_zone):
            raise ValueError(f"unknown time zone '{self.time_zone}' (use an IANA name)")
        names = [tier.name for tier in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError("tier names must be unique")
        if self.tiers[-1].promote:
            raise ValueError(f"the top tier ('{names[-1]}') cannot promote anyone")
        if self.tiers[0].demote:
            raise ValueError(f"the bottom tier ('{names[0]}') cannot demote anyone")
        for tier in self.tiers:
            if tier.promote + tier.demote > self.group_size:
                raise ValueError(
                    f"tier '{tier.name}' promotes and demotes more players than a group holds"
                )
        return self

    def tier_index(self, name: str) -> int | None:
        for index, tier in enumerate(self.tiers):
            if tier.name == name:
                return index
        return None


@dataclass(frozen=True, slots=True)
class LeagueWeek:
    key: str  # the local date the week starts on
    starts_at: datetime
    ends_at: datetime


def _turnover(day: date, league: League) -> datetime:
    return datetime.combine(day, league.rollover_at, tzinfo=zone(league.time_zone)).astimezone(UTC)


def league_week(league: League, at: datetime) -> LeagueWeek:
    """The league week an instant belongs to (weeks turn over at `rollover_at` local time
    on `week_starts`)."""
    if at.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    local = at.astimezone(zone(league.time_zone))
    day = local.date()
    start = day - timedelta(days=(day.weekday() - league.week_starts.number) % 7)
    if _turnover(start, league) > at:
        start -= timedelta(days=7)
    end = start + timedelta(days=7)
    return LeagueWeek(start.isoformat(), _turnover(start, league), _turnover(end, league))


def week_named(league: League, key: str) -> LeagueWeek | None:
    try:
        day = date.fromisoformat(key)
    except ValueError:
        return None
    week = league_week(league, _turnover(day, league))
    return week if week.key == key else None


# -- settling a group ------------------------------------------------------------------


LeagueMove = Literal["league_promoted", "league_demoted", "league_stayed"]


@dataclass(frozen=True, slots=True)
class LeagueOutcome:
    """Where a player of a settled group goes next; `kind` says which way."""

    player: str
    week: str
    group: int
    rank: int
    from_tier: str
    to_tier: str
    kind: LeagueMove

    @property
    def moves(self) -> bool:
        return self.kind != "league_stayed"


@dataclass(frozen=True, slots=True)
class Member:
    player: str
    score: int
    seq: int  # the event that last raised the score: the earlier ranks higher on a tie


def settle_group(
    league: League, tier: int, week: str, group: int, members: list[Member]
) -> list[LeagueOutcome]:
    """Final standings of a group, each with where the player goes next. Promotion
    needs a score above 0, and nobody is both promoted and demoted in a small group."""
    ordered = sorted(members, key=lambda m: (-m.score, m.seq, m.player))
    spec = league.tiers[tier]
    promote = min(spec.promote, len(ordered)) if tier < len(league.tiers) - 1 else 0
    demote = min(spec.demote, len(ordered) - promote) if tier > 0 else 0
    outcomes: list[LeagueOutcome] = []
    for index, member in enumerate(ordered):
        kind: LeagueMove
        if index < promote and member.score > 0:
            kind, to_tier = "league_promoted", league.tiers[tier + 1].name
        elif index >= len(ordered) - demote:
            kind, to_tier = "league_demoted", league.tiers[tier - 1].name
        else:
            kind, to_tier = "league_stayed", spec.name
        outcomes.append(
            LeagueOutcome(member.player, week, group, index + 1, spec.name, to_tier, kind)
        )
    return outcomes
