"""Reading leaderboards: which board and run a request means, and where to read it.

The current run of a board is read from the configured store (Redis in distributed
mode); runs that are over are read from the database, where they are kept for good.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from questline.engine.compiler import CompiledDesign, CompiledLeaderboard
from questline.engine.leaderboards import Ranking, Run, assign_ranks, run_at, run_named
from questline.errors import InvalidInput, NotFound
from questline.leaderboards.sql import SqlLeaderboardStore
from questline.leaderboards.store import (
    BoardRun,
    CirclePage,
    CircleQuery,
    LeaderboardStore,
    Page,
    Standing,
    percentile,
)
from questline.storage.models import LeaderboardRun, Player

CURRENT = "current"


@dataclass(frozen=True, slots=True)
class Located:
    board: CompiledLeaderboard
    run: Run
    current: bool
    finalized_at: datetime | None


class LeaderboardReader:
    def __init__(self, store: LeaderboardStore, archive: SqlLeaderboardStore) -> None:
        self.store = store
        self.archive = archive

    def store_for(self, located: Located) -> LeaderboardStore:
        return self.store if located.current else self.archive

    @staticmethod
    def board(design: CompiledDesign | None, key: str) -> CompiledLeaderboard:
        board = design.leaderboards.get(key) if design is not None else None
        if board is None:
            known = ", ".join(sorted(design.leaderboards)) if design else ""
            raise NotFound(f"no leaderboard '{key}' (boards: {known or 'none'})")
        return board

    @staticmethod
    def locate_current(board: CompiledLeaderboard, now: datetime | None = None) -> Located | None:
        """The run in progress, if the board has one now. A run in progress cannot have
        been finalized (only ended runs are), so this needs no look-up of the run."""
        current = run_at(board.spec, now or datetime.now(UTC))
        return None if current is None else Located(board, current, current=True, finalized_at=None)

    @staticmethod
    def locate(
        session: Session,
        app_id: int,
        board: CompiledLeaderboard,
        period: str,
        now: datetime | None = None,
    ) -> Located:
        now = now or datetime.now(UTC)
        if period == CURRENT:
            located = LeaderboardReader.locate_current(board, now)
            if located is None:
                raise NotFound(
                    f"leaderboard '{board.key}' has no current run: its window is"
                    f" {board.spec.starts_at} to {board.spec.ends_at}"
                )
            return located
        current = run_at(board.spec, now)
        named = run_named(board.spec, period)
        if named is None:
            raise InvalidInput(
                f"'{period}' is not a run of leaderboard '{board.key}'",
                errors=[
                    {
                        "loc": ["query", "period"],
                        "message": "expected 'current' or a run such as "
                        + (current.key if current else "window"),
                    }
                ],
            )
        run = named
        finalized_at = session.scalar(
            select(LeaderboardRun.finalized_at).where(
                LeaderboardRun.app_id == app_id,
                LeaderboardRun.board == board.key,
                LeaderboardRun.run == run.key,
            )
        )
        is_current = current is not None and run.key == current.key and finalized_at is None
        return Located(board, run, is_current, finalized_at)

    def among(
        self, located: Located, board_run: BoardRun, players: Sequence[str]
    ) -> list[Standing]:
        """A board of just these players, ranked by the board's method."""
        held = self.store_for(located).held(board_run, players)
        held.sort(key=lambda h: (-h.score, h.seq, h.player))
        ranks = assign_ranks(
            [h.score for h in held], located.board.spec.ranking, first_rank=1, first_position=1
        )
        return [
            Standing(h.player, h.score, rank, index + 1)
            for index, (h, rank) in enumerate(zip(held, ranks, strict=True))
        ]

    def circle(
        self, located: Located, board_run: BoardRun, circle: CircleQuery, offset: int, limit: int
    ) -> CirclePage:
        """A page of the board of a module's circle (friends), ranked within it by the
        board's method, with the standing of the player whose circle it is."""
        return self.store_for(located).circle_page(
            board_run, located.board.spec.ranking, circle, offset=offset, limit=limit
        )

    def top(self, located: Located, board_run: BoardRun, offset: int, limit: int) -> Page:
        return self.store_for(located).top(
            board_run, located.board.spec.ranking, offset=offset, limit=limit
        )

    def around(
        self, located: Located, board_run: BoardRun, player: str, radius: int
    ) -> Page | None:
        return self.store_for(located).around(board_run, located.board.spec.ranking, player, radius)


def partition_of(session: Session, app_id: int, player: str, attribute: str | None) -> str:
    """The partition a player is ranked in: their current value of the attribute."""
    if attribute is None:
        return ""
    attributes = session.scalar(
        select(Player.attributes).where(Player.app_id == app_id, Player.external_id == player)
    )
    value = (attributes or {}).get(attribute)
    return "" if value is None else str(value)


def runs_of(
    session: Session, app_id: int, board: str, *, offset: int, limit: int
) -> list[LeaderboardRun]:
    """A page of a board's runs, newest first."""
    return list(
        session.scalars(
            select(LeaderboardRun)
            .where(LeaderboardRun.app_id == app_id, LeaderboardRun.board == board)
            .order_by(LeaderboardRun.starts_at.desc(), LeaderboardRun.run.desc())
            .offset(offset)
            .limit(limit)
        )
    )


def standing_of(page: Page) -> tuple[Standing, float]:
    """The player's standing and percentile from around(player, radius=0)."""
    return page.entries[0], percentile(page.below or 0, page.total or 1)


__all__ = [
    "CURRENT",
    "LeaderboardReader",
    "Located",
    "Ranking",
    "partition_of",
    "runs_of",
    "standing_of",
]
