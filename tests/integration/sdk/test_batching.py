"""Background batches: everything added is recorded once, on close at the latest, and a
batcher never holds more than its bound while the server is slow."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from questline_client import BatcherFull, Event, EventRejected, Questline, QuestlineError
from tests.conftest import ADMIN_KEY
from tests.integration.sdk.conftest import LiveServer, processed


@contextmanager
def stalled(live: LiveServer) -> Iterator[None]:
    """The server frozen (SIGSTOP), as one that stops answering is: requests wait."""
    assert live.process.process is not None
    group = live.process.process.pid
    os.killpg(group, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(group, signal.SIGCONT)


def test_a_batcher_sends_everything_on_close_and_reports_what_was_refused(
    live: LiveServer,
) -> None:
    failed: list[tuple[list[Event], QuestlineError]] = []
    with live.client() as questline:
        # An hour between flushes: only closing the client sends these.
        batcher = questline.batcher(
            flush_interval=3600, on_error=lambda events, error: failed.append((events, error))
        )
        ids = [batcher.add("did", "kim") for _ in range(25)]
        batcher.add("did", "k/m")  # no "/" in an id: the server refuses this one
        assert batcher.pending == 26
    with live.client() as questline:
        processed(questline, ids)
        assert questline.player("kim").metrics["did"].all == 25
    [(events, error)] = failed
    assert [e.player for e in events] == ["k/m"]
    assert isinstance(error, EventRejected)
    assert error.code == "invalid_input"


def test_flush_sends_what_is_queued_now(questline: Questline) -> None:
    with questline.batcher(flush_interval=3600) as batcher:
        ids = [batcher.add("did", "lou") for _ in range(3)]
        assert batcher.flush(timeout=60)
        assert batcher.pending == 0
        processed(questline, ids)
        assert questline.player("lou").metrics["did"].all == 3


def test_a_full_batcher_in_error_mode_refuses_at_once(
    live: LiveServer, questline: Questline
) -> None:
    batcher = questline.batcher(max_batch=2, max_queue=6, flush_interval=0.01, when_full="error")
    with stalled(live):
        ids = [batcher.add("did", "max", properties={"n": 1}) for _ in range(6)]
        with pytest.raises(BatcherFull):
            batcher.add("did", "max")
        # Held: those waiting and those in the request the stalled server has not answered.
        assert batcher.pending == 6
    batcher.close()
    processed(questline, ids)
    assert questline.player("max").currencies["xp"].balance == 6


def test_a_full_batcher_in_block_mode_waits_for_room(
    live: LiveServer, questline: Questline
) -> None:
    batcher = questline.batcher(max_batch=2, max_queue=4, flush_interval=0.01)
    added: list[str] = []
    with stalled(live):
        added += [batcher.add("did", "ned") for _ in range(4)]
        with pytest.raises(BatcherFull, match="no room"):
            batcher.add("did", "ned", timeout=0.2)
        waiting = threading.Thread(target=lambda: added.append(batcher.add("did", "ned")))
        waiting.start()
        assert batcher.pending == 4
    waiting.join(60)  # room is made once the server answers again
    assert not waiting.is_alive()
    batcher.close()
    processed(questline, added)
    assert questline.player("ned").metrics["did"].all == 5


SCRIPT = """
import sys
from questline_client import Questline

questline = Questline(sys.argv[1], sys.argv[2])
batcher = questline.batcher(flush_interval=3600)
for n in range(5):
    batcher.add("did", "oz", id=f"oz-{n}")
# No close: the interpreter's exit sends them.
"""


def test_a_batcher_left_open_is_flushed_when_the_program_exits(
    live: LiveServer, questline: Questline
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, ADMIN_KEY, live.url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = processed(questline, [f"oz-{n}" for n in range(5)])
    assert {e.status for e in found} == {"processed"}
    assert questline.player("oz").metrics["did"].all == 5
