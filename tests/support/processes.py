"""Questline processes as an operator runs them: `questline serve` and `questline
worker` in their own process groups, settings from the environment, logs to files."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

import httpx

from tests.support.loop_guard import LoopReport

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def questline_env(database_url: str, redis_url: str, **settings: str) -> dict[str, str]:
    env = {
        **os.environ,
        "QUESTLINE_DATABASE_URL": database_url,
        "QUESTLINE_REDIS_URL": redis_url,
        "QUESTLINE_LOG_LEVEL": "info",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update({f"QUESTLINE_{name.upper()}": value for name, value in settings.items()})
    return env


class QuestlineProcess:
    """One `questline …` command. `kill()` is SIGKILL (no cleanup), `stop()` SIGTERM."""

    def __init__(
        self, args: list[str], env: dict[str, str], log: Path, module: str = "questline.cli"
    ) -> None:
        self.args = args
        self.env = env
        self.log = log
        self.module = module
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.module, *self.args],
                env=self.env,
                cwd=self.log.parent,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _signal_group(self, sig: signal.Signals) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        self._signal_group(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)
            self.process = None

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM (a graceful shutdown), then SIGKILL if it takes longer than `timeout`."""
        if self.process is None:
            return None
        process = self.process
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        self._signal_group(signal.SIGKILL)  # leftovers of the group, if any
        process.wait(timeout=10)
        self.process = None
        return code

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, children first (read from Linux's /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    waiting = [pid]
    while waiting:
        for child in children.get(waiting.pop(0), []):
            found.append(child)
            waiting.append(child)
    return found


def command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def is_running(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie waiting to be reaped."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def start_worker(env: dict[str, str], workdir: Path, name: str) -> QuestlineProcess:
    return QuestlineProcess(["worker", "--pool", "solo"], env, workdir / f"{name}.log").start()


def start_api(env: dict[str, str], workdir: Path, name: str, port: int) -> QuestlineProcess:
    api = QuestlineProcess(["serve", "--port", str(port)], env, workdir / f"{name}.log").start()
    _wait_until_it_answers(api, port)
    return api


def start_guarded_api(
    env: dict[str, str], workdir: Path, name: str, port: int
) -> tuple[QuestlineProcess, LoopReport]:
    """`start_api` with a watchdog on the server's event loop (`tests.support.loop_guard`)."""
    report = LoopReport(workdir / f"{name}.loop.jsonl")
    guarded = {
        **env,
        "QUESTLINE_TEST_LOOP_REPORT": str(report.path),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    }
    api = QuestlineProcess(
        ["serve", "--port", str(port)],
        guarded,
        workdir / f"{name}.log",
        module="tests.support.guarded_server",
    ).start()
    _wait_until_it_answers(api, port)
    return api, report


def _wait_until_it_answers(api: QuestlineProcess, port: int) -> None:
    """Until the server answers; if it never does, it is stopped before the failure is
    raised, so that no server outlives its test (a later test would then fail on the
    leftover process's warning instead of this one on its cause)."""
    try:
        wait_for(lambda: _answers(port), timeout=60, what=f"the API on port {port}", log=api)
    except BaseException:
        api.kill()
        raise


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(
    condition: object, *, timeout: float, what: str, log: QuestlineProcess | None = None
) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tail = "\n".join(log.log_text().splitlines()[-30:]) if log is not None else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")
