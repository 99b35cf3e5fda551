"""Questline installed as its users install it: the built wheel, pip-installed into a fresh
virtual environment, far from the repository, serves."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from questline.api.docs_ui import ASSETS_PATH
from tests.conftest import ADMIN_KEY

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the wheel built from this checkout, and nothing else
    of the repository's."""
    place = tmp_path_factory.mktemp("wheel")
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "-q",
        "-w",
        place / "dist",
        ROOT,
        cwd=place,
    )
    (wheel,) = (place / "dist").glob("questline-*.whl")
    run(sys.executable, "-m", "venv", place / "venv", cwd=place)
    python = place / "venv/bin/python"
    # uv (installed beside the test tools by `make`) resolves the same requirements from
    # the same index as pip, in seconds rather than minutes; pip where there is no uv.
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv is not None:
        # Compiled as pip compiles, or every process of the server compiles it anew.
        run(uv, "pip", "install", "-q", "--compile-bytecode", "--python", python, wheel, cwd=place)
    else:
        run(python, "-m", "pip", "install", "-q", wheel, cwd=place)
    return place


@pytest.fixture(scope="module")
def server(installed: Path) -> Iterator[str]:
    """`questline migrate`, `questline demo` and `questline serve` from the installed
    package, in a directory that holds nothing but its database."""
    home = installed / "home"
    home.mkdir()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PATH": f"{installed / 'venv/bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "QUESTLINE_DATABASE_URL": f"sqlite:///{home / 'questline.db'}",
        "QUESTLINE_BOOTSTRAP_KEY": ADMIN_KEY,
        "QUESTLINE_JWT_SECRET": "a-secret-for-the-installed-server-0123456789",
    }
    questline = installed / "venv/bin/questline"
    assert "-> " in run(questline, "migrate", cwd=home, env=env)
    assert "events processed" in run(
        questline, "demo", "--blueprint", "language", cwd=home, env=env
    )
    log = home / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [questline, "serve", "--port", str(port)],
            cwd=home,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the installed server did not answer"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_wheel_installs_and_serves_without_the_repository(installed: Path, server: str) -> None:
    python = installed / "venv/bin/python"
    location = run(python, "-c", "import questline; print(questline.__file__)", cwd=installed)
    assert Path(location.strip()).is_relative_to(installed / "venv")
    assert not os.path.exists(installed / "venv" / "blueprints")

    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    # The demo came from the blueprints inside the package, and processed.
    ana = httpx.get(f"{server}/v1/players/ana", headers=admin, timeout=10)
    assert ana.status_code == 200, ana.text
    assert ana.json()["currencies"]["xp"]["balance"] > 0
    # The docs' vendored assets, the player pages' templates and static files are there.
    assert "swagger-ui" in httpx.get(f"{server}/docs", timeout=10).text
    assert httpx.get(f"{server}{ASSETS_PATH}/swagger-ui-bundle.js", timeout=10).status_code == 200
    token = httpx.post(f"{server}/v1/players/ana/token", headers=admin, timeout=10).json()
    page = httpx.get(
        f"{server}/play", params={"access_token": token["token"]}, timeout=10, follow_redirects=True
    )
    assert page.status_code == 200
    assert "Ana" in page.text
    assert httpx.get(f"{server}/widgets.js", timeout=10).status_code == 200
    sign_in = httpx.get(f"{server}/console/sign-in", timeout=10)
    assert sign_in.status_code == 200
    assert 'name="password"' in sign_in.text
