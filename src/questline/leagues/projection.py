"""League weeks, projected from a processed batch in the batch's own transaction.

The first time a player earns in a league week they join the newest group of their
tier that still has room (or a new one); every later award in that week adds to their
score there. Like the board scores, this commits with the events' processed marks, so
an event counts exactly once.

An award dated in a week that is over and settled (or that nobody played) counts in no
league; its event says so with a `league_skipped` effect added to its stored effects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from questline.engine.effects import CurrencyAwarded, LeagueSkipped
from questline.engine.leagues import League, league_week
from questline.processing.batch import PROCESSED, Processed
from questline.processing.designs import DesignCache
from questline.storage.bulk import BulkWriter

_Key = tuple[int, str, int]  # app, week, player id
# Why a week took no more awards: its groups were settled, or it is over and had none.
SETTLED = "settled"
NOT_PLAYED = "not_played"
_WHY = {
    SETTLED: "league week {week} was settled at its rollover before this event was processed",
    NOT_PLAYED: "league week {week} is over and nobody played in it",
}


class LeagueProjection:
    def __init__(self, designs: DesignCache) -> None:
        self.designs = designs
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def project(self, session: Session, results: Sequence[Processed]) -> None:
        apps = {r.app_id for r in results if r.effects is not None}
        if not apps:
            return
        leagues = {
            app_id: design.design.leagues
            for app_id, design in self.designs.current(session, apps).items()
            if design.design.leagues is not None
        }
        if not leagues:
            return
        now = self.clock()
        earned: dict[_Key, tuple[int, int]] = {}  # -> (amount, last seq)
        ended: set[tuple[int, str]] = set()
        awards: list[tuple[Processed, _Key, str, int]] = []  # each event's, by currency
        for result in results:
            league = leagues.get(result.app_id)
            if league is None or result.effects is None or result.status != PROCESSED:
                continue
            assert result.occurred_at is not None
            currency = league.rank_by.removeprefix("currency.")
            amount = sum(
                effect.amount
                for effect in result.effects.of_kind(CurrencyAwarded)
                if effect.currency == currency and effect.amount > 0
            )
            if amount <= 0:
                continue
            week = league_week(league, result.occurred_at)
            if week.ends_at <= now:
                ended.add((result.app_id, week.key))
            key = (result.app_id, week.key, result.player_id)
            before = earned.get(key, (0, 0))
            earned[key] = (before[0] + amount, result.seq)
            awards.append((result, key, currency, amount))
        if earned:
            bulk = BulkWriter(session)
            skipped = _apply(bulk, leagues, earned, ended)
            if skipped:
                _say_why(bulk, awards, skipped)


def _say_why(
    bulk: BulkWriter,
    awards: list[tuple[Processed, _Key, str, int]],
    skipped: dict[_Key, str],
) -> None:
    """Add to each event that no league counted the effect that says why (its effects as
    the batch stored them, then this one)."""
    rows = []
    for result, key, currency, amount in awards:
        why = skipped.get(key)
        if why is None:
            continue
        assert result.effects is not None
        reason = _WHY[why].format(week=key[1])
        said = LeagueSkipped(key[1], currency, amount, reason)
        effects = [*result.effects.to_list(), said.to_dict()]
        rows.append((bulk.json(effects), result.seq, result.app_id))
    bulk.executemany("UPDATE events SET effects = ?json WHERE seq = ? AND app_id = ?", rows)


def _apply(
    bulk: BulkWriter,
    leagues: dict[int, League],
    earned: dict[_Key, tuple[int, int]],
    ended: set[tuple[int, str]],
) -> dict[_Key, str]:
    """Count the awards in their weeks; returns the ones no week took, with why."""
    player_ids = sorted({key[2] for key in earned})
    entries = {
        (app_id, week, player_id): finalized
        for app_id, week, player_id, finalized in bulk.fetch(
            "SELECT e.app_id, e.week, e.player_id, g.finalized_at FROM league_entries e"
            " JOIN league_groups g ON g.id = e.group_id"
            " WHERE e.player_id IN ?list AND e.week IN ?list",
            player_ids,
            sorted({key[1] for key in earned}),
        )
        if app_id in leagues
    }
    # A week that is over still counts until its rollover (an event of Sunday 23:59 may
    # be processed after midnight), but takes in no one once settling has begun, nor
    # into a week nobody played.
    closed: set[tuple[int, str]] = set()
    played: set[tuple[int, str]] = set()
    if ended:
        for app_id, week, settled in bulk.fetch(
            "SELECT app_id, week, SUM(CASE WHEN finalized_at IS NULL THEN 0 ELSE 1 END)"
            " FROM league_groups WHERE app_id IN ?list AND week IN ?list GROUP BY app_id, week",
            sorted({app for app, _ in ended}),
            sorted({week for _, week in ended}),
        ):
            played.add((app_id, week))
            if settled:
                closed.add((app_id, week))
        closed |= ended - played
    newcomers = sorted(
        key for key in earned if key not in entries and (key[0], key[1]) not in closed
    )
    skipped: dict[_Key, str] = {}
    for key in earned:
        week = (key[0], key[1])
        if key in entries:
            if entries[key] is not None:  # the player's group of that week is settled
                skipped[key] = SETTLED
        elif week in closed:
            skipped[key] = SETTLED if week in played else NOT_PLAYED
    if newcomers:
        _join(bulk, leagues, newcomers, earned)
    bulk.executemany(
        "UPDATE league_entries SET score = score + ?, seq = ?"
        " WHERE app_id = ? AND week = ? AND player_id = ?",
        [
            (amount, seq, *key)
            for key, (amount, seq) in sorted(earned.items())
            if key in entries and entries[key] is None
        ],
    )
    return skipped


def _join(
    bulk: BulkWriter,
    leagues: dict[int, League],
    newcomers: list[_Key],
    earned: dict[_Key, tuple[int, int]],
) -> None:
    tiers = {
        (app_id, player_id): tier
        for app_id, player_id, tier in bulk.fetch(
            "SELECT app_id, player_id, tier FROM league_members WHERE player_id IN ?list",
            sorted({key[2] for key in newcomers}),
        )
    }
    bulk.executemany(
        "INSERT INTO league_members (app_id, player_id, tier) VALUES (?, ?, 0)"
        " ON CONFLICT (app_id, player_id) DO NOTHING",
        sorted({(app_id, player_id) for app_id, _, player_id in newcomers}),
    )
    for app_id, week, player_id in newcomers:
        league = leagues[app_id]
        tier = min(tiers.get((app_id, player_id), 0), len(league.tiers) - 1)
        group = place_in_group(bulk, app_id, week, tier, league.group_size)
        amount, seq = earned[(app_id, week, player_id)]
        bulk.executemany(
            "INSERT INTO league_entries (app_id, week, player_id, group_id, score, seq)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(app_id, week, player_id, group, amount, seq)],
        )


def place_in_group(bulk: BulkWriter, app_id: int, week: str, tier: int, size: int) -> int:
    """The id of the newest open group of the tier with room, now one larger."""
    newest_open = (
        "SELECT id FROM league_groups WHERE app_id = ? AND week = ? AND tier = ?"
        " AND size < ? AND finalized_at IS NULL ORDER BY id DESC LIMIT 1"
    )
    found = bulk.fetch(
        newest_open + (" FOR UPDATE" if bulk.postgres else ""),
        app_id,
        week,
        tier,
        size,
    )
    if found:
        group = int(found[0][0])
        bulk.executemany("UPDATE league_groups SET size = size + 1 WHERE id = ?", [(group,)])
        return group
    created = bulk.insert_returning(
        "INSERT INTO league_groups (app_id, week, tier, size)",
        "(?, ?, ?, 1)",
        "RETURNING id",
        [(app_id, week, tier)],
    )
    return int(created[0][0])
