"""Backfill: after a new design version adds an achievement or lowers a target, award
it to the players who already qualify. It runs by itself after every publish (in the
background), and on demand (`questline backfill`, POST /v1/achievements/backfill); it is
safe to run again and again.

It only adds: what a player was awarded stays awarded, whatever the new design says.
Each player is settled in a transaction of its own, with the player's row locked as the
worker locks it (PostgreSQL) or the write lock held (SQLite), so it never races the
worker and never holds up an event being appended for that player. Rewards move
leaderboards and leagues as an event's would, in the same transaction: they count in
the runs current when the backfill runs, after everything already processed.

A run notes on the design version that it is alive (every `HEARTBEAT`) and when it ran
to the end. A run that stopped in the middle (its server or worker stopped, the database
went away) is resumed by a periodic job once it has been silent for `STALE`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questline.engine.effects import Effect, Effects, apply_effect
from questline.engine.mechanics_effects import AchievementUnlocked
from questline.engine.process import open_balances
from questline.engine.progression import unlock_achievements
from questline.engine.view import StateView
from questline.processing.batch import PROCESSED, Batch, Processed
from questline.processing.designs import DesignCache
from questline.processing.player_view import load_view
from questline.storage import configs
from questline.storage.database import Database
from questline.storage.models import Event, Player

log = logging.getLogger(__name__)

HEARTBEAT = timedelta(seconds=20)
STALE = timedelta(minutes=2)


@dataclass(frozen=True)
class BackfillReport:
    players: int  # players looked at
    awarded: int  # achievements (tiers, periods) newly awarded
    rewarded: tuple[int, ...]  # the players who received something
    config_version: int | None


class _Source(NamedTuple):
    app_id: int
    player_id: int
    seq: int | None


Projector = Callable[[Session, Sequence[Processed]], None]


def backfill_achievements(
    database: Database,
    designs: DesignCache,
    app_id: int,
    project: Projector | None = None,
    *,
    unless_done: bool = False,
) -> BackfillReport:
    """`project` moves boards and leagues by the rewards (a worker's `project`). With
    `unless_done`, nothing is done if a run for the current design already ended."""
    with database.reader() as session:
        design = designs.current(session, {app_id}).get(app_id)
        if design and unless_done and configs.backfilled(session, app_id, design.version):
            return BackfillReport(0, 0, (), design.version)
        ids = list(
            session.scalars(select(Player.id).where(Player.app_id == app_id).order_by(Player.id))
        )
        # On a board, ties go to whoever got there first: a reward ranks after every
        # event already appended, as one appended now would.
        latest = session.scalar(select(func.max(Event.seq)).where(Event.app_id == app_id))
    after_the_log = (latest or 0) + 1
    if design is None:
        return BackfillReport(len(ids), 0, (), None)

    progress = _Progress(database, app_id, design.version)
    if not design.achievements:
        progress.finished()
        return BackfillReport(len(ids), 0, (), design.version)
    progress.alive()
    awarded = 0
    rewarded: list[int] = []

    def settle(player_id: int, *, wait: bool) -> bool:
        """Award what the player qualifies for; False if `wait` is off and a worker holds
        the player (nothing done)."""
        nonlocal awarded
        with database.transaction() as session:
            lock = select(Player).where(Player.id == player_id)
            if session.get_bind().dialect.name == "postgresql":
                # The workers' lock (worker.py): it excludes them, not appends of events.
                lock = lock.with_for_update(key_share=True, skip_locked=not wait)
            player = session.scalars(lock).one_or_none()
            if player is None:
                return False
            view = load_view(session, design, player, datetime.now(UTC))
            found = _unlock(view.state_view)
            if not found:
                return True
            awarded += sum(isinstance(e, AchievementUnlocked) for e in found)
            rewarded.append(player_id)
            batch = Batch()
            batch.states = {player_id: view.state}
            effects = Effects(0, design.version, tuple(found))
            batch.track(_Source(app_id, player_id, None), effects)
            batch.write(session)
            if project is not None:
                now = datetime.now(UTC)
                project(
                    session,
                    [Processed(after_the_log, app_id, player_id, PROCESSED, effects, now, now)],
                )
            return True

    # Players a worker is processing right now are passed over at first and settled
    # last, waiting for each: by then their batches are mostly done, and meanwhile the
    # backfill has not stood idle behind one batch after another.
    held = []
    for player_id in ids:
        if not settle(player_id, wait=False):
            held.append(player_id)
        progress.alive()
    for player_id in held:
        settle(player_id, wait=True)
        progress.alive()
    progress.finished()
    return BackfillReport(len(ids), awarded, tuple(rewarded), design.version)


class _Progress:
    """What a run notes on its design version: that it is alive (at most once every
    `HEARTBEAT`), and that it ran to the end."""

    def __init__(self, database: Database, app_id: int, version: int) -> None:
        self.database = database
        self.app_id = app_id
        self.version = version
        self._noted_at: float | None = None

    def alive(self) -> None:
        now = time.monotonic()
        if self._noted_at is None or now - self._noted_at >= HEARTBEAT.total_seconds():
            self._note(finished=False)
            self._noted_at = now

    def finished(self) -> None:
        self._note(finished=True)

    def _note(self, *, finished: bool) -> None:
        with self.database.transaction() as session:
            configs.note_backfill(
                session, self.app_id, self.version, datetime.now(UTC), finished=finished
            )


def _unlock(state_view: StateView) -> list[Effect]:
    found: list[Effect] = []

    def emit(effect: Effect) -> None:
        apply_effect(state_view.state, effect)
        found.append(effect)

    # A reward starts from the floor, as it would at an event (engine.process).
    opened = open_balances(state_view.state, state_view.design)
    for effect in opened:
        emit(effect)
    unlock_achievements(state_view, emit)
    # Only balances opened, nothing unlocked: that is left to the player's next event.
    return found if len(found) > len(opened) else []


class Backfiller(Protocol):
    """Where the backfill after a publish runs: a thread of the server, or a worker."""

    def request(self, app_id: int) -> None: ...

    def wait(self, timeout: float = 30) -> None: ...


class BackgroundBackfill:
    """Runs the backfill after each publish, off the request, one run at a time per app
    (a publish during a run asks for one more run after it). Embedded mode runs it in a
    thread of the server; distributed mode hands it to a Celery worker instead."""

    def __init__(
        self,
        database: Database,
        designs: DesignCache,
        on_done: Callable[[int, BackfillReport], None] | None = None,
        project: Projector | None = None,
    ) -> None:
        self.database = database
        self.designs = designs
        self.on_done = on_done
        self.project = project
        self._lock = threading.Lock()
        self._running: set[int] = set()
        self._again: set[int] = set()
        self._threads: list[threading.Thread] = []

    def request(self, app_id: int) -> None:
        with self._lock:
            if app_id in self._running:
                self._again.add(app_id)
                return
            self._running.add(app_id)
            thread = threading.Thread(
                target=self._run, args=(app_id,), name=f"questline-backfill-{app_id}", daemon=True
            )
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _run(self, app_id: int) -> None:
        while True:
            try:
                report = backfill_achievements(
                    self.database, self.designs, app_id, self.project, unless_done=True
                )
                if self.on_done is not None:
                    self.on_done(app_id, report)
            except Exception:
                log.exception("the backfill of app %s failed; the periodic job resumes it", app_id)
            with self._lock:
                if app_id not in self._again:
                    self._running.discard(app_id)
                    return
                self._again.discard(app_id)

    def wait(self, timeout: float = 30) -> None:
        """Let runs in progress finish (graceful shutdown, and tests)."""
        for thread in list(self._threads):
            thread.join(timeout)
