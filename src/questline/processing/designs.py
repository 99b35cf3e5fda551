"""Compiled designs, cached per (app, version): a version is immutable, so its
compiled form never goes stale; only "which version is current" is looked up."""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy.orm import Session

from questline.engine.compiler import CompiledDesign, compile_design
from questline.storage import configs


class DesignCache:
    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._compiled: OrderedDict[tuple[int, int], CompiledDesign] = OrderedDict()
        self._lock = threading.Lock()

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
        return {
            app_id: self.version(session, app_id, version)
            for app_id, version in configs.current_versions(session, app_ids).items()
        }
