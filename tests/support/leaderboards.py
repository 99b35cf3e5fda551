"""A board run to play on in store tests: players created on demand, scores written
the way the worker writes them (the database first, then the store under test)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from questline.engine.leaderboards import Ranking
from questline.leaderboards.sql import write_scores
from questline.leaderboards.store import BoardRun, LeaderboardStore, ScoreUpdate
from questline.storage.database import Database
from tests.support.migrated import migrated_sqlite
from tests.support.postgres import PostgresServer

_names = itertools.count()


@dataclass
class Board:
    """A store under test, the database behind it, and a board run to play on."""

    store: LeaderboardStore
    database: Database
    app_id: int
    run: BoardRun
    players: dict[str, int]
    seqs: Iterator[int]

    def player_id(self, player: str) -> int:
        if player not in self.players:
            with self.database.transaction() as session:
                found = session.execute(
                    text(
                        "INSERT INTO players (app_id, external_id, time_zone, attributes,"
                        " created_at, updated_at) VALUES (:app, :player, 'UTC', '{}',"
                        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"
                    ),
                    {"app": self.app_id, "player": player},
                ).scalar_one()
            self.players[player] = int(found)
        return self.players[player]

    def update(
        self,
        player: str,
        score: int,
        *,
        seq: int | None = None,
        hidden: bool = False,
        partition: str = "",
        run: BoardRun | None = None,
    ) -> ScoreUpdate:
        target = run or self.run
        return ScoreUpdate(
            BoardRun(target.app_id, target.board, target.run, partition),
            self.player_id(player),
            player,
            score,
            next(self.seqs) if seq is None else seq,
            hidden,
        )

    def put(self, *updates: ScoreUpdate) -> None:
        if not updates:
            return
        with self.database.transaction() as session:
            write_scores(session, updates)
            session.execute(
                text(
                    "INSERT INTO leaderboard_runs (app_id, board, run) VALUES (:a, :b, :r)"
                    " ON CONFLICT DO NOTHING"
                ),
                [{"a": u.board.app_id, "b": u.board.board, "r": u.board.run} for u in updates],
            )
        self.store.write(updates)

    def set(self, scores: dict[str, int]) -> None:
        self.put(*(self.update(player, score) for player, score in scores.items()))

    def top(self, ranking: Ranking = Ranking.COMPETITION, *, offset: int = 0, limit: int = 100,
            partition: str = "") -> list[tuple[str, int, int]]:  # fmt: skip
        run = BoardRun(self.run.app_id, self.run.board, self.run.run, partition)
        page = self.store.top(run, ranking, offset=offset, limit=limit)
        return [(e.player, e.score, e.rank) for e in page.entries]


@contextmanager
def fresh_database(request: pytest.FixtureRequest, kind: str, directory: Path) -> Iterator[str]:
    """The URL of a fresh, migrated database of `kind` (sqlite or postgresql)."""
    if kind == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        name = f"lb_{os.getpid()}_{next(_names)}"
        yield server.create_database(name, template="questline_template")
        server.drop_database(name)
        return
    yield migrated_sqlite(directory / "questline.db")
