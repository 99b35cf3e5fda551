"""The end-of-run check of the end-to-end benchmarks: a rate means nothing unless every
event counted was processed and did what it should. Compares the database (and Redis,
where it serves the board) with what each event sent must have caused.

- every event in the log is one the benchmark sent, and is `processed` (not `failed`,
  not still `pending`); events sent but not in the log are only those answered with an
  error (counted, never silently);
- each event's XP in the ledger is the rule's (item XP × score / 100, rounded down);
- the board holds one row per player who sent an event, with the sum of that player's XP;
- Redis, where it serves the board, holds the same number of players and the same total.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import redis

from load import BOARD, expected_xp

Query = Callable[[str], Iterable[tuple[Any, ...]]]


@dataclass
class Check:
    sent: int
    logged: int
    processed: int
    failed: int
    pending: int
    unknown: int
    xp_expected: int
    xp_ledger: int
    events_with_wrong_xp: int
    board_expected: int
    board_rows: int
    board_wrong_scores: int
    redis_rows: int | None = None
    redis_total: int | None = None
    board_total: int = 0

    @property
    def ok(self) -> bool:
        return (
            self.logged == self.processed
            and self.unknown == 0
            and self.events_with_wrong_xp == 0
            and self.xp_ledger == self.xp_expected
            and self.board_rows == self.board_expected
            and self.board_wrong_scores == 0
            and (self.redis_rows is None or self.redis_rows == self.board_rows)
            and (self.redis_total is None or self.redis_total == self.board_total)
        )

    def lines(self) -> list[str]:
        verdict = "OK" if self.ok else "FAILED"
        lines = [
            f"check ({verdict}): {self.sent} events sent, {self.logged} in the log"
            f" ({self.sent - self.logged} not: answered with an error), {self.processed}"
            f" processed, {self.failed} failed, {self.pending} pending,"
            f" {self.unknown} not sent by this run",
            f"  XP in the ledger {self.xp_ledger} (expected {self.xp_expected});"
            f" events whose XP differs from the rule's: {self.events_with_wrong_xp}",
            f"  board '{BOARD}': {self.board_rows} players (expected {self.board_expected}),"
            f" {self.board_wrong_scores} with a score other than their XP",
        ]
        if self.redis_rows is not None:
            lines.append(
                f"  Redis board: {self.redis_rows} players, total {self.redis_total}"
                f" (database: {self.board_total})"
            )
        return lines


def check(query: Query, sent: Iterable[dict[str, Any]], redis_url: str | None = None) -> Check:
    by_key = {event["id"]: event for event in sent}
    statuses = dict(query("SELECT key, status FROM events"))
    unknown = [key for key in statuses if key not in by_key]
    logged = [by_key[key] for key in statuses if key in by_key]

    ledger: dict[str, int] = defaultdict(int)
    for key, amount in query(
        "SELECT e.key, l.amount FROM ledger_entries l JOIN events e ON e.seq = l.event_seq"
        " WHERE l.currency = 'xp'"
    ):
        ledger[key] += int(amount)
    wrong = sum(1 for event in logged if ledger.get(event["id"], 0) != expected_xp(event))

    per_player: dict[str, int] = defaultdict(int)
    for event in logged:
        per_player[event["player"]] += expected_xp(event)
    board = {
        player: int(score)
        for player, score in query(
            "SELECT p.external_id, s.score FROM leaderboard_scores s"
            " JOIN players p ON p.id = s.player_id"
            f" WHERE s.board = '{BOARD}' AND s.hidden = false"
        )
    }
    found = Check(
        sent=len(by_key),
        logged=len(statuses),
        processed=sum(1 for status in statuses.values() if status == "processed"),
        failed=sum(1 for status in statuses.values() if status == "failed"),
        pending=sum(1 for status in statuses.values() if status == "pending"),
        unknown=len(unknown),
        xp_expected=sum(per_player.values()),
        xp_ledger=sum(ledger.values()),
        events_with_wrong_xp=wrong,
        board_expected=len(per_player),
        board_rows=len(board),
        board_wrong_scores=sum(
            1
            for player in per_player.keys() | board.keys()
            if board.get(player) != per_player.get(player)
        ),
        board_total=sum(board.values()),
    )
    if redis_url is not None:
        found.redis_rows, found.redis_total = _redis_board(redis_url)
    return found


def _redis_board(url: str) -> tuple[int, int]:
    client = redis.Redis.from_url(url)
    try:
        rows = total = 0
        for key in client.scan_iter(match=f"ql:lb:*:{BOARD}:*:z:*"):
            if client.type(key) != b"zset":
                continue
            members = client.zrange(key, 0, -1, withscores=True)
            rows += len(members)
            total += sum(int(score) for _, score in members)
        return rows, total
    finally:
        client.close()
