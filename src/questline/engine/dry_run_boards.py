"""Leaderboards in a dry run: each board's top N in the run open at the dry run's time,
under the live design and under the draft, both replayed in the sandbox (never read
from the live stores), and what changes between them: who enters, who leaves, who moves.

Pure. A player's score on a board is kept while their events are replayed
(`BoardScores`); the tally keeps only the best N of each board (and partition), so
memory does not grow with the number of players."""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from questline.engine.compiler import CompiledLeaderboard
from questline.engine.effects import Effects
from questline.engine.leaderboards import (
    BoardPeriod,
    Ranking,
    Run,
    assign_ranks,
    run_at,
    run_named,
)
from questline.engine.state import Event

TOP_N = 10
MAX_PARTITIONS = 100  # per board; more are counted, not listed


def reported_run(board: CompiledLeaderboard, as_of: datetime) -> Run | None:
    """The run a dry run reports for a board: the one open at `as_of`, or a window
    board's window whenever it is."""
    if board.spec.period is BoardPeriod.WINDOW:
        return run_named(board.spec, "window")
    return run_at(board.spec, as_of)


@dataclass(slots=True)
class _Target:
    board: CompiledLeaderboard
    run: Run


@dataclass(slots=True)
class BoardScores:
    """One player's score and its seq (the event that last moved it: ties rank the
    first to reach a score higher) on each board, as live projection keeps them."""

    targets: list[_Target]
    scores: dict[str, tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def over(cls, boards: Mapping[str, CompiledLeaderboard], as_of: datetime) -> BoardScores:
        targets = [
            _Target(board, run)
            for board in boards.values()
            if (run := reported_run(board, as_of)) is not None
        ]
        return cls(targets)

    def observe(self, event: Event, effects: Effects) -> None:
        for target in self.targets:
            if not _counts(target, event.occurred_at):
                continue
            period = target.board.spec.period
            made = [
                contribution
                for effect in effects.items
                if (contribution := target.board.source.contribution(effect, period)) is not None
            ]
            if not made:
                continue
            key = target.board.key
            score, seq = self.scores.get(key, (0, 0))
            before, known = score, key in self.scores
            for contribution in made:
                score = contribution.value if contribution.absolute else score + contribution.value
            if score != before or not known:
                seq = event.seq
            self.scores[key] = (score, seq)


def _counts(target: _Target, at: datetime) -> bool:
    run = target.run
    if run.starts_at is None and run.ends_at is None:
        return True  # all time
    if target.board.spec.period is BoardPeriod.ROLLING:
        return (
            run.starts_at is not None
            and run.ends_at is not None
            and (run.starts_at <= at < run.ends_at)
        )
    found = run_at(target.board.spec, at)
    return found is not None and found.key == run.key


@dataclass(slots=True)
class _Top:
    """The best `TOP_N` entries seen: a heap whose first entry is the worst kept."""

    heap: list[tuple[int, int, int, str]] = field(default_factory=list)

    def add(self, player: str, player_id: int, score: int, seq: int) -> None:
        entry = (score, -seq, -player_id, player)
        if len(self.heap) < TOP_N:
            heapq.heappush(self.heap, entry)
        elif entry > self.heap[0]:
            heapq.heapreplace(self.heap, entry)

    def standings(self, ranking: Ranking) -> list[dict[str, Any]]:
        best = sorted(self.heap, reverse=True)
        ranks = assign_ranks([e[0] for e in best], ranking, first_rank=1, first_position=1)
        return [
            {"rank": rank, "player": player, "score": score}
            for rank, (score, _, _, player) in zip(ranks, best, strict=True)
        ]


@dataclass(slots=True)
class _Board:
    run_before: str | None
    run_after: str
    before_board: CompiledLeaderboard | None
    after_board: CompiledLeaderboard
    partitions: dict[str, tuple[_Top, _Top]] = field(default_factory=dict)
    players_not_listed: int = 0  # in partitions past MAX_PARTITIONS

    def side(self, partition: str) -> tuple[_Top, _Top] | None:
        found = self.partitions.get(partition)
        if found is None:
            if len(self.partitions) >= MAX_PARTITIONS:
                self.players_not_listed += 1
                return None
            found = self.partitions[partition] = (_Top(), _Top())
        return found


@dataclass
class BoardTally:
    """Every board of the draft: its top N before (the live design, replayed) and after."""

    live: Mapping[str, CompiledLeaderboard]
    draft: Mapping[str, CompiledLeaderboard]
    as_of: datetime
    _boards: dict[str, _Board] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key, board in self.draft.items():
            after = reported_run(board, self.as_of)
            if after is None:
                continue
            before_board = self.live.get(key)
            before = reported_run(before_board, self.as_of) if before_board else None
            self._boards[key] = _Board(
                before.key if before else None,
                after.key,
                before_board if before else None,
                board,
            )

    @property
    def live_boards_needed(self) -> dict[str, CompiledLeaderboard]:
        """The live design's boards the report compares with (replayed for "before")."""
        return {
            key: board.before_board
            for key, board in self._boards.items()
            if board.before_board is not None
        }

    def add(
        self,
        player: str,
        player_id: int,
        attributes: Mapping[str, Any],
        before: BoardScores | None,
        after: BoardScores,
    ) -> None:
        for key, board in self._boards.items():
            was = before.scores.get(key) if before is not None else None
            now = after.scores.get(key)
            if was is None and now is None:
                continue
            partition_by = board.after_board.spec.partition_by
            value = attributes.get(partition_by) if partition_by else None
            sides = board.side("" if value is None else str(value))
            if sides is None:
                continue
            if was is not None:
                sides[0].add(player, player_id, *was)
            if now is not None:
                sides[1].add(player, player_id, *now)

    def report(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, board in sorted(self._boards.items()):
            partitions = []
            for partition, (before, after) in sorted(board.partitions.items()):
                before_ranking = (board.before_board or board.after_board).spec.ranking
                partitions.append(
                    {"partition": partition or None}
                    | _compare(
                        before.standings(before_ranking),
                        after.standings(board.after_board.spec.ranking),
                    )
                )
            found[key] = {
                "in_current_design": board.before_board is not None,
                "run_before": board.run_before,
                "run_after": board.run_after,
                "partitions": partitions,
                "players_in_partitions_not_listed": board.players_not_listed,
            }
        return found


def _compare(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> dict[str, Any]:
    was = {entry["player"]: entry["rank"] for entry in before}
    now = {entry["player"]: entry["rank"] for entry in after}
    return {
        "before": before,
        "after": after,
        "entered": [entry["player"] for entry in after if entry["player"] not in was],
        "left": [entry["player"] for entry in before if entry["player"] not in now],
        "moved": [
            {"player": player, "before": was[player], "after": rank}
            for player, rank in now.items()
            if player in was and was[player] != rank
        ],
    }
