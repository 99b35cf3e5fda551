"""The interface every leaderboard store implements, and the plain data it speaks.

Stores keep, per run of a board (and per partition of a partitioned board), each
player's score and the sequence number of the event that last changed it. They order
a board by score (highest first), then by that sequence number (who reached the score
first), and rank it by the board's ranking method.

Writes are absolute and monotone: a write carries the player's score and the event
that made it, and is ignored if the store already holds a newer one. Writing the same
update twice, or an old update after a new one, changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from questline.engine.leaderboards import Ranking


@dataclass(frozen=True, slots=True)
class BoardRun:
    app_id: int
    board: str
    run: str
    partition: str = ""


@dataclass(frozen=True, slots=True)
class ScoreUpdate:
    board: BoardRun
    player_id: int
    player: str  # the host app's id for the player
    score: int
    seq: int
    hidden: bool = False


# A player's display name and avatar URL, as shown beside their standing.
Profile = tuple[str | None, str | None]


@dataclass(frozen=True, slots=True)
class Standing:
    player: str
    score: int
    rank: int
    position: int  # 1-based place on the board, ties broken by who got there first
    # Read with the score where the store had them at hand (a circle's board); else the
    # page's reader looks them up.
    profile: Profile | None = None


@dataclass(frozen=True, slots=True)
class Page:
    entries: list[Standing]
    total: int | None  # players on the board (around() only: counting costs)
    below: int | None = None  # around(): players scoring lower than the first entry


@dataclass(frozen=True, slots=True)
class Held:
    """A player's score as stored, for ranking a given set of players (friends)."""

    player: str
    score: int
    seq: int


@dataclass(frozen=True, slots=True)
class CircleQuery:
    """Players to rank among, as a module chooses them (friends: those someone follows,
    and them): a statement selecting their internal ids, each once, `?` placeholders
    taking `params` in order. The database ranks them in one query with it as a
    subquery; it is never built from what a request says, only by the module's code.
    `owner` is the internal id of the player whose circle it is (in it too): their own
    standing is read with any page of it."""

    players: str
    params: tuple[Any, ...]
    owner: int


@dataclass(frozen=True, slots=True)
class CirclePage:
    """A page of a circle's board, ranked within the circle, with the circle's owner's
    own standing (None if they are not on the board) and how many of the circle are."""

    entries: list[Standing]
    total: int
    owner: Standing | None


class LeaderboardStore(Protocol):
    def write(self, updates: Sequence[ScoreUpdate]) -> None:
        """Store absolute scores; older or repeated updates are ignored."""

    def top(self, board: BoardRun, ranking: Ranking, *, offset: int, limit: int) -> Page:
        """`limit` entries from `offset` (0 is the top)."""

    def around(self, board: BoardRun, ranking: Ranking, player: str, radius: int) -> Page | None:
        """The player with `radius` entries above and below; None if not on the board."""

    def held(self, board: BoardRun, players: Sequence[str]) -> list[Held]:
        """The scores of those of `players` who are on the board."""

    def circle_page(
        self, board: BoardRun, ranking: Ranking, circle: CircleQuery, *, offset: int, limit: int
    ) -> CirclePage:
        """`limit` entries from `offset` of the board of just the circle's players who
        are on it (ranked among them), with the owner's standing there."""

    def forget(self, board: BoardRun) -> None:
        """The run is over and archived in the database: drop any copy of it."""


def rank_first(ranking: Ranking, position: int, above: int, distinct_above: int) -> int:
    """The rank of an entry at `position` (1-based), given how many entries score higher
    and how many distinct scores are higher."""
    if ranking is Ranking.ORDINAL:
        return position
    if ranking is Ranking.DENSE:
        return distinct_above + 1
    return above + 1


def percentile(below: int, total: int) -> float:
    """The share of the board's other players who score lower, in percent."""
    return round(100.0 * below / (total - 1), 2) if total > 1 else 100.0
