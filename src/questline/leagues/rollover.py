"""The weekly league rollover: a periodic job (and `questline leagues rollover`).

Each group of a week that is over settles in a transaction of its own: the group is
claimed by an UPDATE guarded by `finalized_at IS NULL`, its final ranks and outcomes are
written, and its players move tier — all or nothing. So the job can run twice, run in
two places at once, or crash halfway: every group settles exactly once, and a rerun
picks up the groups a crash left open.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from questline.engine.leagues import (
    League,
    LeagueOutcome,
    Member,
    settle_group,
    week_named,
)
from questline.leagues.projection import place_in_group
from questline.processing.designs import DesignCache
from questline.storage.bulk import BulkWriter
from questline.storage.database import Database, after_commit

OutcomeHook = Callable[[int, list[LeagueOutcome]], None]


def rollover_leagues(
    database: Database,
    designs: DesignCache | None = None,
    now: datetime | None = None,
    on_outcomes: OutcomeHook | None = None,
) -> list[LeagueOutcome]:
    """Settle every group whose week ended by `now`; returns what happened to whom.
    `on_outcomes(app_id, outcomes)` runs after each group's commit (notifications)."""
    designs = designs or DesignCache()
    now = now or datetime.now(UTC)
    with database.reader() as session:
        open_groups = BulkWriter(session).fetch(
            "SELECT id, app_id, week, tier FROM league_groups WHERE finalized_at IS NULL"
            " ORDER BY app_id, week, tier, id"
        )
        leagues = {
            app_id: design.design.leagues
            for app_id, design in designs.current(
                session, {app_id for _, app_id, _, _ in open_groups}
            ).items()
            if design.design.leagues is not None
        }
    settled: list[LeagueOutcome] = []
    for group, app_id, week_key, tier in open_groups:
        league = leagues.get(app_id)
        if league is None:
            continue  # the league was taken out of the design: its groups wait
        week = week_named(league, week_key)
        if week is None or week.ends_at > now:
            continue
        settled += _settle(database, app_id, group, week_key, tier, league, now, on_outcomes)
    return settled


def _settle(
    database: Database,
    app_id: int,
    group: int,
    week: str,
    tier: int,
    league: League,
    now: datetime,
    on_outcomes: OutcomeHook | None,
) -> list[LeagueOutcome]:
    with database.transaction() as session:
        bulk = BulkWriter(session)
        claimed = bulk.executemany(
            "UPDATE league_groups SET finalized_at = ? WHERE id = ? AND finalized_at IS NULL",
            [(bulk.timestamp(now), group)],
        )
        if claimed != 1:
            return []  # settled by another run meanwhile
        rows = bulk.fetch(
            "SELECT p.external_id, e.player_id, e.score, e.seq FROM league_entries e"
            " JOIN players p ON p.id = e.player_id WHERE e.group_id = ?",
            group,
        )
        ids = {external: player_id for external, player_id, _, _ in rows}
        tier = min(tier, len(league.tiers) - 1)
        outcomes = settle_group(
            league, tier, week, group, [Member(name, score, seq) for name, _, score, seq in rows]
        )
        bulk.executemany(
            "UPDATE league_entries SET rank = ?, outcome = ?"
            " WHERE app_id = ? AND week = ? AND player_id = ?",
            [(o.rank, _word(o), app_id, week, ids[o.player]) for o in outcomes],
        )
        moves = [o for o in outcomes if o.moves]
        for outcome in moves:
            to_tier = league.tier_index(outcome.to_tier)
            assert to_tier is not None
            player_id = ids[outcome.player]
            bulk.executemany(
                "UPDATE league_members SET tier = ? WHERE app_id = ? AND player_id = ?",
                [(to_tier, app_id, player_id)],
            )
            _rehome_later_weeks(bulk, app_id, player_id, week, to_tier, league.group_size)
        if on_outcomes is not None and outcomes:
            hook = on_outcomes
            after_commit(session, lambda: hook(app_id, outcomes))
    return outcomes


def _rehome_later_weeks(
    bulk: BulkWriter, app_id: int, player_id: int, week: str, tier: int, size: int
) -> None:
    """A player who already started the next week (before this rollover ran) joined a
    group of their old tier; move them to one of their new tier, score and all."""
    later = bulk.fetch(
        "SELECT e.week, e.group_id FROM league_entries e JOIN league_groups g"
        " ON g.id = e.group_id WHERE e.app_id = ? AND e.player_id = ? AND e.week > ?"
        " AND g.finalized_at IS NULL AND g.tier <> ?",
        app_id,
        player_id,
        week,
        tier,
    )
    for later_week, old_group in later:
        bulk.executemany("UPDATE league_groups SET size = size - 1 WHERE id = ?", [(old_group,)])
        new_group = place_in_group(bulk, app_id, later_week, tier, size)
        bulk.executemany(
            "UPDATE league_entries SET group_id = ? WHERE app_id = ? AND week = ?"
            " AND player_id = ?",
            [(new_group, app_id, later_week, player_id)],
        )


def _word(outcome: LeagueOutcome) -> str:
    return outcome.kind.removeprefix("league_")
