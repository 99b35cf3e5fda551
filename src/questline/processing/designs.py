"""Compiled designs, cached per (app, version): a version is immutable, so its
compiled form never goes stale; only "which version is current" is looked up —
by processing once per transaction, by reads at most once a second per app
(``current_for_reads``)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from sqlalchemy.orm import Session

from questline.engine.compiler import CompiledDesign, compile_design
from questline.storage import configs

_CURRENT = "questline.current_versions"  # session.info: (transaction, app id -> version)


class DesignCache:
    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._compiled: OrderedDict[tuple[int, int], CompiledDesign] = OrderedDict()
        self._lock = threading.Lock()
        self._current: dict[int, tuple[float, int | None]] = {}

    def version(self, session: Session, app_id: int, version: int) -> CompiledDesign:
        key = (app_id, version)
        with self._lock:
            if key in self._compiled:
                self._compiled.move_to_end(key)
                return self._compiled[key]
        row = configs.get_version(session, app_id, version)
        if row is None:
            raise LookupError(f"app {app_id} has no config version {version}")
        compiled = compile_design(row.document, version)
        with self._lock:
            self._compiled[key] = compiled
            while len(self._compiled) > self._size:
                self._compiled.popitem(last=False)
        return compiled

    def current(self, session: Session, app_ids: set[int]) -> dict[int, CompiledDesign]:
        """The apps' current designs. Within one transaction of `session`, an app's version
        is looked up once and then holds: a batch's boards and leagues move by the design
        its events were scored with, even if a new one is published meanwhile."""
        held = session.info.get(_CURRENT)
        known: dict[int, int | None] = (
            held[1] if held is not None and held[0] is session.get_transaction() else {}
        )
        missing = app_ids - known.keys()
        if missing:
            found = configs.current_versions(session, missing)
            known.update({app_id: found.get(app_id) for app_id in missing})
            # Taken after the look-up, which began the transaction if none had begun.
            session.info[_CURRENT] = (session.get_transaction(), known)
        return {
            app_id: self.version(session, app_id, version)
            for app_id in app_ids
            if (version := known[app_id]) is not None
        }

    def current_for_reads(
        self, session: Session, app_id: int, *, max_age: float = 1.0
    ) -> CompiledDesign | None:
        """The app's current design as a read sees it: which version is current may be up to
        ``max_age`` seconds old in another server process (this one forgets at publish), which
        spares a hot read endpoint a database trip. Event processing never uses this."""
        now = time.monotonic()
        with self._lock:
            memo = self._current.get(app_id)
        if memo is None or memo[0] <= now:
            version = configs.current_versions(session, {app_id}).get(app_id)
            with self._lock:
                self._current[app_id] = (now + max_age, version)
        else:
            version = memo[1]
        return None if version is None else self.version(session, app_id, version)

    def current_if_known(self, app_id: int) -> tuple[bool, CompiledDesign | None]:
        """``current_for_reads`` without I/O: (True, design) when both which version is
        current and its compiled form are in memory, (False, None) when a trip to the
        database is needed first."""
        now = time.monotonic()
        with self._lock:
            memo = self._current.get(app_id)
            if memo is None or memo[0] <= now:
                return False, None
            if memo[1] is None:
                return True, None
            compiled = self._compiled.get((app_id, memo[1]))
        return (compiled is not None), compiled

    def forget_current(self, app_id: int) -> None:
        """A new version was published: reads in this process see it at once."""
        with self._lock:
            self._current.pop(app_id, None)
