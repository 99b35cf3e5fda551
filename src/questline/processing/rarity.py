"""Achievement rarity per app, kept for a short while: counting every holder of every
achievement is an aggregate over all the app's awards, too much for every read.

Dropped as soon as this server's worker awards something in the app; the TTL bounds
staleness when another process does the processing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from sqlalchemy.orm import Session

from questline.engine.mechanics_effects import AchievementUnlocked
from questline.processing.batch import Processed
from questline.storage import mechanics


class RarityCache:
    def __init__(self, ttl_seconds: float = 60.0) -> None:
        self.ttl = ttl_seconds
        self._entries: dict[int, tuple[float, dict[tuple[str, str], float]]] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, app_id: int) -> dict[tuple[str, str], float]:
        with self._lock:
            found = self._entries.get(app_id)
        if found is not None and found[0] > time.monotonic():
            return found[1]
        rarity = mechanics.rarity(session, app_id)
        with self._lock:
            self._entries[app_id] = (time.monotonic() + self.ttl, rarity)
        return rarity

    def invalidate(self, app_ids: Iterable[int]) -> None:
        with self._lock:
            for app_id in app_ids:
                self._entries.pop(app_id, None)

    def after_batch(self, results: list[Processed]) -> None:
        """A worker hook: forget the apps in which the batch awarded something."""
        self.invalidate(
            {
                result.app_id
                for result in results
                if result.effects is not None
                and any(isinstance(e, AchievementUnlocked) for e in result.effects.items)
            }
        )
