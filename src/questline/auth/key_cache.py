"""API keys already looked up, remembered for a few seconds.

Every request names its key; without this, learning who is calling costs a database
round trip — more than the rest of a hot read such as a leaderboard's top 10. A key's
row changes only when it is revoked, so each process remembers what it resolved for
``ttl`` seconds. The process that revokes a key forgets it at once; other server
processes stop accepting it within ``ttl``. Expiry is checked on every request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from questline.auth.principals import Principal


@dataclass(slots=True)
class CachedKey:
    principal: Principal
    expires_at: datetime | None
    last_used_at: datetime | None
    remembered_until: float


class KeyCache:
    def __init__(self, ttl: float = 5.0, size: int = 10_000) -> None:
        self.ttl = ttl
        self._size = size
        self._entries: OrderedDict[str, CachedKey] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, secret_hash: str) -> CachedKey | None:
        if self.ttl <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(secret_hash)
            if entry is None:
                return None
            if entry.remembered_until <= now:
                del self._entries[secret_hash]
                return None
            self._entries.move_to_end(secret_hash)
            return entry

    def remember(
        self,
        secret_hash: str,
        principal: Principal,
        expires_at: datetime | None,
        last_used_at: datetime | None,
    ) -> None:
        if self.ttl <= 0:
            return
        entry = CachedKey(principal, expires_at, last_used_at, time.monotonic() + self.ttl)
        with self._lock:
            self._entries[secret_hash] = entry
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def forget(self, key_id: int) -> None:
        """The key was revoked: this process refuses it from now on."""
        with self._lock:
            for secret_hash in [
                h for h, e in self._entries.items() if e.principal.key_id == key_id
            ]:
                del self._entries[secret_hash]
