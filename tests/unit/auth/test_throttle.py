"""The in-memory request counter, as a server counts with it: from many threads at once."""

from __future__ import annotations

import sys
import threading
import time

import limits

from questline.auth.throttle import Throttle, Verdict


def test_requests_counted_from_many_threads_at_once_are_each_counted_and_never_fail() -> None:
    throttle = Throttle()
    limit = limits.parse("100000/minute")
    threads, rounds, per_round = 8, 60, 5
    together = threading.Barrier(threads)
    failures: list[BaseException] = []
    verdicts: list[Verdict] = []

    def count() -> None:
        try:
            for _ in range(rounds):
                together.wait()
                for _ in range(per_round):
                    verdicts.append(throttle.hit(limit, "player", "ana"))
                # Past the storage's 10 ms expiry timer, so the next hits restart it
                # together: where counting from two threads at once used to fail.
                time.sleep(0.012)
        except BaseException as error:
            failures.append(error)
            together.abort()  # the others stop too, rather than wait for this one

    workers = [threading.Thread(target=count) for _ in range(threads)]
    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns as often as they can
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        sys.setswitchinterval(switching)
    assert failures == []
    assert len(verdicts) == threads * rounds * per_round
    assert all(verdict.allowed for verdict in verdicts)
    # Every hit was counted once: the next sees them all.
    assert throttle.hit(limit, "player", "ana").remaining == limit.amount - len(verdicts) - 1
