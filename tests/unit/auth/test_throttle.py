"""The in-memory request counter, as a server counts with it: from many threads at once."""

from __future__ import annotations

import sys
import threading
import time

import limits

from questline.auth.throttle import MemoryWindows, Throttle, Verdict


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
                # A pause, so the threads' next hits come together again.
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


def test_a_moving_window_allows_its_amount_refuses_the_next_and_frees_as_hits_age() -> None:
    throttle = Throttle()
    limit = limits.parse("2/second")
    first, second, third = (throttle.hit(limit, "key", "ana") for _ in range(3))
    assert (first.allowed, first.remaining) == (True, 1)
    assert (second.allowed, second.remaining) == (True, 0)
    assert (third.allowed, third.remaining, third.reset_seconds) == (False, 0, 1)
    assert throttle.hit(limit, "key", "ben").allowed  # another key counts apart
    time.sleep(1.05)
    assert throttle.hit(limit, "key", "ana").allowed  # the first two left the window


def test_keys_nobody_counted_for_a_whole_window_are_let_go() -> None:
    windows = MemoryWindows()
    windows.SWEEP_SECONDS = 0.0
    limit = limits.parse("5/second")
    for player in range(100):
        windows.hit(limit, "player", str(player))
    assert len(windows) == 100
    time.sleep(1.05)
    windows.hit(limit, "player", "ana")
    assert len(windows) == 1
