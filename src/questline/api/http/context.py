"""What a running server holds: settings, database, worker, dispatcher."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from questline.api.event_groups import EventGroups
from questline.api.http.rate_limits import RateLimits
from questline.auth.key_cache import KeyCache
from questline.auth.throttle import Throttle
from questline.leaderboards.service import LeaderboardReader
from questline.leaderboards.store import CircleQuery
from questline.processing.backfill import Backfiller
from questline.processing.designs import DesignCache
from questline.processing.dispatch import Dispatcher
from questline.processing.dry_runs import DryRunner
from questline.processing.ingest import Ingested, NewEvent
from questline.processing.periodic import EmbeddedScheduler
from questline.processing.rarity import RarityCache
from questline.processing.score_cache import InProcessScoreCache, ScoreCache
from questline.processing.submission import EventStatus, submit
from questline.processing.worker import Worker
from questline.settings import Settings
from questline.storage.apps import SettingsCache
from questline.storage.database import Database
from questline.storage.privacy import PlayerData

# A module's fields of the player resource (`GET /v1/players/{id}`), by internal id.
PlayerFields = Callable[[Session, int], dict[str, Any]]
# A circle a leaderboard can be read among (`?among=following&player=X`): the players it
# holds for (app id, player), as a subquery of their ids. A module provides it by name.
Circle = Callable[[Session, int, str], CircleQuery]


class Module(Protocol):
    """A bounded module as a server runs it: started after the worker, stopped before."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Context:
    settings: Settings
    database: Database
    designs: DesignCache
    worker: Worker
    dispatcher: Dispatcher
    leaderboards: LeaderboardReader
    scores: ScoreCache = field(default_factory=InProcessScoreCache)
    rarity: RarityCache = field(default_factory=RarityCache)
    throttle: Throttle = field(default_factory=Throttle)
    rate_limits: RateLimits | None = None
    keys: KeyCache = field(default_factory=KeyCache)
    scheduler: EmbeddedScheduler | None = None
    backfill: Backfiller | None = None
    dry_runs: DryRunner = field(default_factory=lambda: _NoDryRuns())
    # Where bounded modules plug in (installed by the composition root, api/app.py).
    player_fields: list[PlayerFields] = field(default_factory=list)
    player_data: list[PlayerData] = field(default_factory=list)
    circles: dict[str, Circle] = field(default_factory=dict)
    modules: dict[str, Module] = field(default_factory=dict)
    # Each app's settings, cached briefly (its limits, CORS origins and brand are read by
    # every request); the rate limits read the same cache.
    app_settings: SettingsCache = field(init=False)
    single_events: EventGroups = field(init=False)

    def __post_init__(self) -> None:
        self.single_events = EventGroups(self._append)
        limits = self.rate_limits
        self.app_settings = limits.settings if limits else SettingsCache(self.database)

    def _append(
        self, app_id: int, events: Sequence[NewEvent]
    ) -> tuple[list[Ingested], dict[int, EventStatus]]:
        return submit(self.database, self.worker, self.dispatcher, app_id, events, wait=False)


class _NoDryRuns:
    """A context built without a runner leaves dry runs pending."""

    def start(self, run_id: int) -> None:
        pass

    def wait(self, timeout: float = 30) -> None:
        pass
