"""A dry run: a player's logged events replayed through a draft design, from an empty
state, with the same `step` live processing uses; and the tally of every player's
replay against what actually happened.

Pure: events and live outcomes in, a report out. The caller streams players through
`DryRunTally.add` one at a time, so only per-player numbers are kept (for the
percentiles), never a player's events or state once they are tallied."""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from questline.engine.compiler import CompiledDesign
from questline.engine.dry_run_boards import BoardScores, BoardTally
from questline.engine.process import EventRejected, step
from questline.engine.state import AwardKey, Event, PlayerState

MAX_FAILURES_LISTED = 100


@dataclass(frozen=True, slots=True)
class Failure:
    player: str
    event: str  # the event's id (its idempotency key)
    type: str
    reason: str
    seq: int  # where the event sits in the log (the id is the client's, and may change)


@dataclass(slots=True)
class Replayed:
    state: PlayerState
    events: int = 0
    failures: list[tuple[Event, str]] = field(default_factory=list)
    boards: BoardScores | None = None


def replay(
    player: str,
    events: Iterable[Event],
    design: CompiledDesign,
    boards: BoardScores | None = None,
) -> Replayed:
    """The player's events in log order through `design`; an event the design cannot
    score changes nothing, as in live processing, and is kept with its reason. With
    `boards`, the player's scores on them are kept as the effects come."""
    done = Replayed(PlayerState(player), boards=boards)
    for event in events:
        done.events += 1
        try:
            effects, done.state = step(done.state, event, design)
        except EventRejected as rejected:
            done.failures.append((event, str(rejected)))
            continue
        if boards is not None:
            boards.observe(event, effects)
    return done


@dataclass(frozen=True, slots=True)
class Outcome:
    """One player's balances (currency -> (balance, lifetime earned)) and awards."""

    balances: Mapping[str, tuple[int, int]]
    awards: frozenset[AwardKey]

    @classmethod
    def of(cls, state: PlayerState) -> Outcome:
        return cls(
            {key: (held.balance, held.earned) for key, held in state.balances.items()},
            frozenset(state.awards),
        )


def percentile(ordered: list[int], share: float) -> int:
    """Nearest rank: the smallest value at or above `share` of the values (0 if none)."""
    if not ordered:
        return 0
    rank = max(1, -(-len(ordered) * share // 1))  # ceil without floats drifting
    return ordered[int(rank) - 1]


@dataclass
class DryRunTally:
    """Every replayed player against their live outcome: the report of a dry run."""

    live_design: CompiledDesign | None  # for the levels before; None if none is published
    draft: CompiledDesign
    boards: BoardTally | None = None  # the draft's leaderboards, if it has any
    players: int = 0
    players_erased: int = 0  # in scope, but erased: left out of the replay
    events: int = 0
    players_differing: int = 0
    failed_events: int = 0
    failures: list[Failure] = field(default_factory=list)
    _changes: dict[str, list[int]] = field(default_factory=dict)
    _totals: dict[str, list[int]] = field(default_factory=dict)  # currency -> [live, dry]
    _levels: dict[str, tuple[Counter[int], Counter[int]]] = field(default_factory=dict)
    _achievements: dict[str, list[int]] = field(default_factory=dict)

    def add(
        self, player: str, live: Outcome, replayed: Replayed, event_ids: Mapping[int, str]
    ) -> None:
        dry = Outcome.of(replayed.state)
        self.players += 1
        self.events += replayed.events
        self.failed_events += len(replayed.failures)
        for event, reason in replayed.failures:
            if len(self.failures) < MAX_FAILURES_LISTED:
                self.failures.append(
                    Failure(
                        player,
                        event_ids.get(event.seq, str(event.seq)),
                        event.type,
                        reason,
                        event.seq,
                    )
                )
        differs = False
        for currency in sorted(live.balances.keys() | dry.balances.keys()):
            before, before_earned = live.balances.get(currency, (0, 0))
            after, after_earned = dry.balances.get(currency, (0, 0))
            totals = self._totals.setdefault(currency, [0, 0])
            totals[0] += before
            totals[1] += after
            self._changes.setdefault(currency, []).append(after - before)
            differs = differs or (before, before_earned) != (after, after_earned)
            self._level(currency, before_earned, after_earned)
        for achievement, tier, _ in live.awards | dry.awards:
            self._achievements.setdefault(_award_name(achievement, tier), [0, 0, 0, 0])
        for name, had, has in _award_players(live.awards, dry.awards):
            counts = self._achievements[name]
            counts[0] += had
            counts[1] += has
            counts[2] += has and not had
            counts[3] += had and not has
        differs = differs or live.awards != dry.awards
        self.players_differing += differs

    def _level(self, currency: str, before_earned: int, after_earned: int) -> None:
        before_curve = self.live_design.levels.get(currency) if self.live_design else None
        after_curve = self.draft.levels.get(currency)
        if before_curve is None and after_curve is None:
            return
        before, after = self._levels.setdefault(currency, (Counter(), Counter()))
        if before_curve is not None:
            before[before_curve.level_for(before_earned)] += 1
        if after_curve is not None:
            after[after_curve.level_for(after_earned)] += 1

    def report(self) -> dict[str, Any]:
        currencies = {}
        for currency, changes in sorted(self._changes.items()):
            ordered = sorted(changes)
            live_total, dry_total = self._totals[currency]
            currencies[currency] = {
                "live_total": live_total,
                "dry_run_total": dry_total,
                "change": dry_total - live_total,
                "players_changed": sum(1 for change in changes if change != 0),
                "per_player_change": {
                    "min": ordered[0],
                    "p50": percentile(ordered, 0.5),
                    "p90": percentile(ordered, 0.9),
                    "max": ordered[-1],
                },
            }
        return {
            "players": self.players,
            "players_erased": self.players_erased,
            "events": self.events,
            "players_differing": self.players_differing,
            "currencies": currencies,
            "levels": {
                currency: {
                    "before": {str(k): v for k, v in sorted(before.items())},
                    "after": {str(k): v for k, v in sorted(after.items())},
                }
                for currency, (before, after) in sorted(self._levels.items())
            },
            "achievements": {
                name: {
                    "live_players": counts[0],
                    "dry_run_players": counts[1],
                    "would_unlock": counts[2],
                    "would_not_unlock": counts[3],
                }
                for name, counts in sorted(self._achievements.items())
            },
            "leaderboards": self.boards.report() if self.boards is not None else {},
            "failed_events": self.failed_events,
            "failures": [
                {"player": f.player, "event": f.event, "type": f.type, "reason": f.reason}
                for f in self.failures
            ],
        }


def _award_name(achievement: str, tier: str) -> str:
    return f"{achievement}:{tier}" if tier else achievement


def _award_players(
    live: frozenset[AwardKey], dry: frozenset[AwardKey]
) -> list[tuple[str, bool, bool]]:
    """(achievement or achievement:tier, held live, held in the dry run) of one player;
    an achievement repeated per period counts once per player."""
    had = {_award_name(a, t) for a, t, _ in live}
    has = {_award_name(a, t) for a, t, _ in dry}
    return [(name, name in had, name in has) for name in sorted(had | has)]


ERASED_DETAILS = "the event's details were erased with the player"
_LOCATION = re.compile(r"^(?:rule|metric) '[^']*'")


def forget_player(
    report: Mapping[str, Any], player: str, pseudonym: str, event_ids: Mapping[str, str]
) -> dict[str, Any]:
    """`report` with an erased player named only by their pseudonym, as everything
    else about them is: on the boards, and in the events that failed, whose ids become
    the erased ones (`event_ids`, old to new) and whose reasons keep only the rule or
    metric (a reason may quote a property's value)."""
    found = copy.deepcopy(dict(report))
    for failure in found.get("failures", []):
        if failure["player"] != player:
            continue
        failure["player"] = pseudonym
        failure["event"] = event_ids.get(failure["event"], "erased")
        where = _LOCATION.match(failure["reason"])
        failure["reason"] = f"{where.group(0)}: {ERASED_DETAILS}" if where else ERASED_DETAILS

    def renamed(name: str) -> str:
        return pseudonym if name == player else name

    for board in found.get("leaderboards", {}).values():
        for partition in board["partitions"]:
            for side in ("before", "after", "moved"):
                for entry in partition[side]:
                    entry["player"] = renamed(entry["player"])
            for side in ("entered", "left"):
                partition[side] = [renamed(name) for name in partition[side]]
    return found
