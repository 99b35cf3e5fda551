"""Pages of a board kept for a moment in one process, so the hottest read (the top of a
current board) need not ask Redis every time.

A kept page is stored with `asked` — (generation, time) when its read was sent. Every
write made through the store moves the generation on (`moved`), which retires every
page kept before it, and also what a read on its way at that moment brings back; so
only writes of other processes can be up to `seconds` late in showing. Of two reads of
one page the one sent later is kept: a reader never sees a page go back in time.
"""

from __future__ import annotations

import time

from questline.engine.leaderboards import Ranking
from questline.leaderboards.store import BoardRun, Page

PageKey = tuple[BoardRun, Ranking, int, int]  # board run, ranking, offset, limit
Asked = tuple[int, float]  # (generation, monotonic time) when a read was sent
_MAX_PAGES = 10_000


class KeptPages:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds  # 0: keep nothing
        self._pages: dict[PageKey, tuple[Asked, Page]] = {}
        self._generation = 0

    def moved(self) -> None:
        """A write went through this process: every kept page is retired."""
        self._generation += 1

    def asked(self) -> Asked:
        return self._generation, time.monotonic()

    def get(self, key: PageKey, now: Asked) -> Page | None:
        kept = self._pages.get(key)
        if kept is None:
            return None
        (generation, asked), page = kept
        if generation != now[0] or now[1] - asked >= self.seconds:
            return None
        return page

    def keep(self, key: PageKey, asked: Asked, page: Page) -> Page:
        if self.seconds <= 0:
            return page
        kept = self._pages.get(key)
        if kept is None or kept[0] <= asked:
            if len(self._pages) >= _MAX_PAGES:
                self._pages.clear()
            self._pages[key] = (asked, page)
        return page
