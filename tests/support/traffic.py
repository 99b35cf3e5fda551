"""Clients that write to a server at once, each in a loop of its own, while a prober checks
that the server still answers `/health` and that its event loop was never blocked."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from tests.support.loop_guard import LoopReport

Write = Callable[[httpx.Client, int], httpx.Response]
HEALTH_TIMEOUT_SECONDS = 10  # a hung server, not a slow answer: the loop guard sees those


@dataclass
class Outcome:
    """What one kind of write got back."""

    statuses: Counter[int] = field(default_factory=Counter)
    unclean: list[str] = field(default_factory=list)  # 5xx but 503, not a problem, no answer

    @property
    def succeeded(self) -> int:
        return sum(count for status, count in self.statuses.items() if status < 300)


class Traffic:
    def __init__(self, base_url: str, report: LoopReport) -> None:
        self.base_url = base_url
        self.report = report
        self.outcomes: dict[str, Outcome] = {}
        self._loops: list[threading.Thread] = []
        self._lock = threading.Lock()

    def loop(self, name: str, headers: dict[str, str], write: Write, times: int) -> None:
        """Start a client that makes `write` `times` times, one after the other."""
        outcome = self.outcomes.setdefault(name, Outcome())

        def run() -> None:
            with httpx.Client(base_url=self.base_url, headers=headers, timeout=60) as client:
                for n in range(times):
                    try:
                        response = write(client, n)
                    except httpx.HTTPError as error:
                        self._unclean(outcome, f"{name} #{n}: no answer ({error!r})")
                        return
                    with self._lock:
                        outcome.statuses[response.status_code] += 1
                    if not _clean(response):
                        self._unclean(
                            outcome, f"{name} #{n}: {response.status_code} {response.text}"
                        )

        thread = threading.Thread(target=run, name=name, daemon=True)
        self._loops.append(thread)
        thread.start()

    def _unclean(self, outcome: Outcome, what: str) -> None:
        with self._lock:
            outcome.unclean.append(what)

    def run_to_the_end(self) -> None:
        """Probe `/health` until every loop is done; fail at once if the server's event loop
        is reported blocked or `/health` does not answer."""
        with httpx.Client(base_url=self.base_url, timeout=HEALTH_TIMEOUT_SECONDS) as prober:
            while any(thread.is_alive() for thread in self._loops):
                self.report.assert_never_blocked()
                try:
                    health = prober.get("/health")
                except httpx.TimeoutException:
                    self.report.assert_never_blocked()
                    raise AssertionError(
                        f"/health did not answer in {HEALTH_TIMEOUT_SECONDS} s"
                    ) from None
                assert health.status_code == 200, health.text
                time.sleep(0.05)
        self.report.assert_never_blocked()

    def assert_every_write_clean(self) -> None:
        unclean = [what for outcome in self.outcomes.values() for what in outcome.unclean]
        assert not unclean, "\n".join(unclean[:10])
        for name, outcome in self.outcomes.items():
            assert outcome.succeeded > 0, f"no {name} succeeded: {dict(outcome.statuses)}"


def _clean(response: httpx.Response) -> bool:
    """A success, or a refusal that says why: a 4xx or 503 problem document."""
    if response.status_code < 400:
        return True
    if response.status_code >= 500 and response.status_code != 503:
        return False
    return response.headers.get("content-type", "").startswith("application/problem+json")
