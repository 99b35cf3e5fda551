"""PROMETHEUS_MULTIPROC_DIR across restarts: a restarted stack does not count the values
of its previous run again, and never loses those of a process still running."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from questline.metrics import forget_exited_processes


def _exited_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_files_of_exited_processes_go_and_the_others_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    gone, alive = _exited_pid(), os.getpid()
    for name in (
        f"counter_{gone}.db",
        f"histogram_{gone}.db",
        f"counter_{alive}.db",
        f"gauge_livesum_{alive}.db",
        "notes.txt",
    ):
        (tmp_path / name).write_bytes(b"")
    removed = forget_exited_processes()
    assert sorted(path.name for path in removed) == [f"counter_{gone}.db", f"histogram_{gone}.db"]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [f"counter_{alive}.db", f"gauge_livesum_{alive}.db", "notes.txt"]
    )


def test_without_the_setting_nothing_is_touched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    assert forget_exited_processes() == []
