"""What /v1/leaderboards answers: a board's page, its runs, a player's ranks; and the
opt-out a player sends."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from questline.leaderboards.service import Located
from questline.leaderboards.store import Standing

# Examples of the pages and ranks (with their nulls) are in api.http.openapi_examples.


class StandingOut(BaseModel):
    """A player's place on a board: score, rank, and position in the list."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "player": "p11",
                    "display_name": "Ada",
                    "avatar_url": "https://cdn.example.com/avatars/p11.png",
                    "score": 61,
                    "rank": 1,
                    "position": 1,
                }
            ]
        }
    )

    player: str
    display_name: str | None = Field(description="the player's name as the host app set it")
    avatar_url: str | None = Field(description="a picture of the player, if the host app set one")
    score: int
    rank: int
    position: int


class BoardPage(BaseModel):
    """A page of a leaderboard's run: the board, the run and its entries, best first."""

    board: str
    name: str | None
    rank_by: str
    ranking: str
    run: str
    starts_at: datetime | None
    ends_at: datetime | None
    final: bool
    partition: str | None
    data: list[StandingOut]
    total: int | None
    next_cursor: str | None
    player_standing: StandingOut | None = Field(
        default=None,
        description="with `among`: the standing of `player` in their circle, wherever it is"
        " (null if they are not on the board, and for the other reads)",
    )


class RunOut(BaseModel):
    """One run of a board (a day, a week, all time): its bounds and whether it is final."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "run": "2026-11-02",
                    "starts_at": "2026-11-02T05:00:00Z",
                    "ends_at": "2026-11-09T05:00:00Z",
                    "final": True,
                    "players": 2,
                }
            ]
        }
    )

    run: str
    starts_at: datetime | None
    ends_at: datetime | None
    final: bool
    players: int | None


class RunList(BaseModel):
    """A board's runs, newest first."""

    data: list[RunOut]
    next_cursor: str | None


class RankOut(BaseModel):
    """A player's standing on the current run of one board."""

    board: str
    run: str
    partition: str | None
    score: int
    rank: int
    position: int
    percentile: float
    players: int


class RankList(BaseModel):
    """A player's standing on every board they are on."""

    data: list[RankOut]


class VisibilityIn(BaseModel):
    """Whether to hide the player from every leaderboard (an opt-out) or show them."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"hidden": True}]})

    hidden: bool = Field(strict=True)


class VisibilityOut(BaseModel):
    """Whether the player is now hidden from every leaderboard."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"player": "bob", "hidden": True}]})

    player: str
    hidden: bool


# The display name and avatar URL of each player on a page, by id: read in one query.
Profiles = dict[str, tuple[str | None, str | None]]


def standings_out(entries: list[Standing], profiles: Profiles) -> list[StandingOut]:
    shown = [profiles.get(e.player, (None, None)) for e in entries]
    return [
        StandingOut(
            player=e.player,
            display_name=name,
            avatar_url=avatar,
            score=e.score,
            rank=e.rank,
            position=e.position,
        )
        for e, (name, avatar) in zip(entries, shown, strict=True)
    ]


def board_page(
    profiles: Profiles,
    located: Located,
    partition: str | None,
    entries: list[Standing],
    total: int | None,
    next_cursor: str | None,
    player_standing: Standing | None = None,
) -> BoardPage:
    spec = located.board.spec
    return BoardPage(
        board=located.board.key,
        name=spec.name,
        rank_by=spec.rank_by,
        ranking=spec.ranking.value,
        run=located.run.key,
        starts_at=located.run.starts_at,
        ends_at=located.run.ends_at,
        final=located.finalized_at is not None,
        partition=partition,
        data=standings_out(entries, profiles),
        total=total,
        next_cursor=next_cursor,
        player_standing=None
        if player_standing is None
        else standings_out([player_standing], profiles)[0],
    )
