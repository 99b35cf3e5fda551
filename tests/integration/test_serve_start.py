"""`questline serve` as `make run` starts it: the port is checked before anything is
printed, and the banner names the port it will really listen on."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import ADMIN_KEY
from tests.support.migrated import migrated_sqlite
from tests.support.processes import QuestlineProcess, free_port, wait_for


def _environment(folder: Path, **settings: str) -> dict[str, str]:
    url = migrated_sqlite(folder / "questline.db")
    env = {**os.environ, "QUESTLINE_DATABASE_URL": url, "QUESTLINE_BOOTSTRAP_KEY": ADMIN_KEY}
    env.update({f"QUESTLINE_{name.upper()}": value for name, value in settings.items()})
    return env


def test_a_busy_port_is_one_line_before_any_banner(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = subprocess.run(
            [sys.executable, "-m", "questline.cli", "serve", "--welcome"],
            env=_environment(tmp_path, port=str(port)),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr == (
        f"port {port} on 127.0.0.1 is already in use: stop what listens there,"
        " or choose another port with --port or QUESTLINE_PORT\n"
    )


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_welcome_names_the_port_from_the_environment(tmp_path: Path) -> None:
    port = free_port()
    env = _environment(tmp_path, port=str(port))
    server = QuestlineProcess(["serve", "--welcome"], env, tmp_path / "serve.log").start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url) or not server.running, timeout=60, what="the server")
        assert server.running, server.log_text()
    finally:
        server.stop()
    lines = server.log_text().splitlines()
    assert f"Questline is starting on {url}  (API docs: {url}/docs)" in lines[:3]
    assert f"Admin key: {ADMIN_KEY}" in lines
    assert f'Try:  curl -s -H "Authorization: Bearer {ADMIN_KEY}" {url}/v1/players/ada' in lines
    notifications = f"{url}/v1/players/ada/notifications"
    told = f'      curl -s -H "Authorization: Bearer {ADMIN_KEY}" {notifications}'
    assert told in lines
