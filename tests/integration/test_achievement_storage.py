"""Achievements on real storage: awarded exactly once per (player, achievement, tier,
period), even with two workers processing the same player's events at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from questline.processing.designs import DesignCache
from questline.processing.ingest import NewEvent, ingest
from questline.processing.worker import Worker
from questline.storage import configs
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from questline.storage.models import AchievementAward, LedgerEntry, StreakFreezeUse, StreakRow

DESIGN = {
    "currencies": {"xp": {}, "gems": {}},
    "metrics": {"tasks": {"count": "task.done"}},
    "rules": [{"id": "task-xp", "on": "task.done", "award": {"xp": 10}}],
    "streaks": {"daily": {"when": "metric.tasks.today >= 1", "freezes": {"max": 2, "initial": 1}}},
    "achievements": [
        {
            "id": "worker",
            "progress": "metric.tasks",
            "tiers": [
                {"name": "bronze", "target": 3, "rewards": {"currencies": {"gems": 5}}},
                {"name": "gold", "target": 30, "rewards": {"currencies": {"gems": 50}}},
            ],
        },
        {"id": "daily-two", "progress": "metric.tasks.today", "target": 2, "repeat": "day"},
    ],
}
START = datetime(2026, 5, 4, 8, tzinfo=UTC)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url, sqlite_synchronous="OFF")
    yield database
    database.dispose()


def _setup(database: Database, events: list[NewEvent]) -> int:
    with database.transaction() as session:
        app = ensure_app(session, "game")
        configs.publish(session, app.id, DESIGN, source=None, comment=None, created_by=None)
        ingest(session, app.id, events, datetime.now(UTC))
        return app.id


def _task(index: int, at: datetime) -> NewEvent:
    return NewEvent(type="task.done", player="ann", key=f"t{index}", occurred_at=at, properties={})


def test_two_workers_on_one_player_award_each_tier_and_period_exactly_once(
    database: Database, database_url: str
) -> None:
    # 40 tasks over 5 days: bronze and gold once, daily-two once on each of the 5 days.
    _setup(database, [_task(i, START + timedelta(hours=i * 2.4)) for i in range(40)])
    # Each worker with its own engine and pool, as two worker processes would have.
    other = Database(database_url, sqlite_synchronous="OFF")
    workers = [Worker(database, DesignCache()), Worker(other, DesignCache())]
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def run(worker: Worker) -> None:
        try:
            barrier.wait()
            while worker.process_batch(limit=3):
                pass
        except BaseException as error:  # surfaced below
            failures.append(error)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker is still running"
    other.dispose()
    assert failures == []

    with database.reader() as session:
        awards = session.execute(
            select(
                AchievementAward.achievement, AchievementAward.tier, AchievementAward.period
            ).order_by(AchievementAward.achievement, AchievementAward.period, AchievementAward.tier)
        ).all()
        gems = session.execute(
            select(LedgerEntry.cause, LedgerEntry.cause_id, LedgerEntry.amount)
            .where(LedgerEntry.currency == "gems")
            .order_by(LedgerEntry.id)
        ).all()
        streak = session.execute(
            select(StreakRow.current, StreakRow.longest, StreakRow.freezes)
        ).one()
    assert [tuple(a) for a in awards] == [
        ("daily-two", "", "d:2026-05-04"),
        ("daily-two", "", "d:2026-05-05"),
        ("daily-two", "", "d:2026-05-06"),
        ("daily-two", "", "d:2026-05-07"),
        ("daily-two", "", "d:2026-05-08"),
        ("worker", "bronze", "all"),
        ("worker", "gold", "all"),
    ]
    assert [tuple(g) for g in gems] == [
        ("achievement", "worker/bronze", 5),
        ("achievement", "worker/gold", 50),
    ]
    assert tuple(streak) == (5, 5, 1)


def test_the_unique_key_refuses_a_second_award_and_nothing_is_half_written(
    database: Database,
) -> None:
    app_id = _setup(database, [_task(i, START) for i in range(3)])
    Worker(database, DesignCache()).drain()
    with database.reader() as session:
        award = session.scalars(
            select(AchievementAward).where(AchievementAward.achievement == "worker")
        ).one()
        player_id, ledger_rows = (
            award.player_id,
            session.scalar(select(func.count()).select_from(LedgerEntry)),
        )

    def award_again() -> None:
        # One transaction: the refused award takes its ledger entry down with it.
        with database.transaction() as session:
            session.add(
                AchievementAward(
                    app_id=app_id,
                    player_id=player_id,
                    achievement="worker",
                    tier="bronze",
                    period="all",
                    value=3,
                    target=3,
                    rewards={},
                    breakdown={},
                    awarded_at=datetime.now(UTC),
                )
            )
            session.add(
                LedgerEntry(
                    app_id=app_id,
                    player_id=player_id,
                    currency="gems",
                    amount=5,
                    balance_after=10,
                    cause="achievement",
                    cause_id="worker/bronze",
                    explanation="again",
                    breakdown={},
                    created_at=datetime.now(UTC),
                )
            )

    with pytest.raises(IntegrityError):
        award_again()
    with database.reader() as session:
        assert session.scalar(select(func.count()).select_from(AchievementAward)) == 2
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == ledger_rows


def test_a_missed_day_spends_the_freeze_and_records_the_day_it_covered(
    database: Database,
) -> None:
    days = [START, START + timedelta(days=2), START + timedelta(days=3)]
    _setup(database, [_task(i, at) for i, at in enumerate(days)])
    Worker(database, DesignCache()).drain()
    with database.reader() as session:
        uses = session.execute(select(StreakFreezeUse.key, StreakFreezeUse.covered)).all()
        streak = session.execute(
            select(StreakRow.current, StreakRow.freezes, StreakRow.started_on)
        ).one()
    assert [(key, covered.isoformat()) for key, covered in uses] == [("daily", "2026-05-05")]
    assert (streak[0], streak[1], streak[2].isoformat()) == (3, 0, "2026-05-04")


def test_a_batch_scored_before_a_freeze_grant_is_redone_not_written_over_it(
    database: Database,
) -> None:
    from questline.processing.batch import Batch
    from questline.processing.streak_changes import grant_freezes
    from questline.storage.models import Event as EventRow

    _setup(database, [_task(0, START)])
    Worker(database, DesignCache()).drain()
    with database.transaction() as session:
        ingest(session, 1, [_task(1, START + timedelta(days=1))], datetime.now(UTC))
    designs = DesignCache()
    with database.reader() as session:
        rows = session.execute(
            select(
                EventRow.seq,
                EventRow.app_id,
                EventRow.player_id,
                EventRow.type,
                EventRow.occurred_at,
                EventRow.time_zone,
                EventRow.properties,
                EventRow.item_key,
                EventRow.received_at,
            ).where(EventRow.status == "pending")
        ).all()
        batch = Batch.load(session, designs, rows)
    [row] = rows
    batch.run(row)  # scored on the snapshot: extends the streak to 2, with 1 freeze
    with database.transaction() as session:
        streak = designs.current(session, {row.app_id})[row.app_id].streaks[0]
        grant_freezes(session, row.player_id, streak, 1, "gift")

    def write_stale_batch() -> None:
        with database.transaction() as session:
            if not batch.write(session, verify=True):
                raise LookupError("overtaken")  # as the worker does: roll it all back

    with pytest.raises(LookupError, match="overtaken"):
        write_stale_batch()
    Worker(database, DesignCache()).drain()
    with database.reader() as session:
        current, freezes = session.execute(select(StreakRow.current, StreakRow.freezes)).one()
    assert (current, freezes) == (2, 2)  # the gift survives, and so does the extension
