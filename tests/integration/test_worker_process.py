"""The embedded worker in a child process (`QUESTLINE_EMBEDDED_WORKER=process`) never
outlives its server: a server killed with SIGKILL, which can stop nothing, must not leave
a worker processing beside the one of the server started in its place."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.processes import (
    QuestlineProcess,
    command_line,
    descendants,
    free_port,
    is_running,
    wait_for,
)

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc"
)


def test_a_server_killed_outright_takes_its_worker_and_tracker_with_it(
    database_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "QUESTLINE_DATABASE_URL": database_url,
        "QUESTLINE_EMBEDDED_WORKER": "process",
        "QUESTLINE_EMBEDDED_JOBS": "false",
    }
    env.pop("QUESTLINE_REDIS_URL", None)
    port = free_port()
    server = QuestlineProcess(["serve", "--port", str(port)], env, tmp_path / "serve.log")
    server.start()
    assert server.process is not None
    below: list[int] = []
    try:
        wait_for(
            lambda: _worker_and_tracker(server.process.pid) is not None,  # type: ignore[union-attr]
            timeout=60,
            what="the worker process and multiprocessing's resource tracker",
            log=server,
        )
        below = descendants(server.process.pid)
        os.kill(server.process.pid, signal.SIGKILL)  # the server only, not its group
        server.process.wait(timeout=10)
        wait_for(
            lambda: not any(is_running(pid) for pid in below),
            timeout=60,
            what="the worker and the tracker to end with their server",
            log=server,
        )
    finally:
        _kill(below)
        server.kill()


def test_without_the_parent_death_signal_the_worker_notices_its_server_is_gone(
    database_url: str, tmp_path: Path
) -> None:
    """The portable fallback, alone: the worker checks that its parent still runs."""
    script = tmp_path / "server.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys, time
            from questline.processing.dispatch import ProcessDispatcher

            if __name__ == "__main__":
                dispatcher = ProcessDispatcher(
                    sys.argv[1],
                    sqlite_synchronous="NORMAL",
                    poll_seconds=0.1,
                    parent_death_signal=False,
                )
                dispatcher.start()
                print("started", flush=True)
                time.sleep(600)
            """
        )
    )
    parent = subprocess.Popen(
        [sys.executable, str(script), database_url],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    below: list[int] = []
    try:
        assert parent.stdout is not None
        assert parent.stdout.readline().strip() == "started"
        wait_for(
            lambda: _worker_and_tracker(parent.pid) is not None,
            timeout=60,
            what="the worker process and multiprocessing's resource tracker",
        )
        below = descendants(parent.pid)
        parent.kill()
        parent.wait(timeout=10)
        wait_for(
            lambda: not any(is_running(pid) for pid in below),
            timeout=60,
            what="the worker and the tracker to end after their parent",
        )
    finally:
        _kill(below)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        if parent.stdout is not None:
            parent.stdout.close()


def _worker_and_tracker(pid: int) -> tuple[int, int] | None:
    """The worker child and the resource tracker below ``pid``, once both run."""
    worker = tracker = None
    for child in descendants(pid):
        line = command_line(child)
        if "resource_tracker" in line:
            tracker = child
        elif "multiprocessing" in line:
            worker = child
    return (worker, tracker) if worker and tracker else None


def _kill(pids: list[int]) -> None:
    """Leave nothing running, whatever the outcome."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
