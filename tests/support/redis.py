"""A throwaway Redis server on 127.0.0.1 for tests and benchmarks.

Each server gets its own port and its own temporary directory, runs without
persistence unless asked (``appendonly=True``), and is killed and deleted by
``stop()``. ``restart()`` keeps the port, so clients reconnect to the same URL;
with ``flush=True`` the restarted server comes back empty, as after a crash
without persistence.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import redis

__all__ = ["RedisServer", "RedisServerError"]

_START_TIMEOUT = 15.0


class RedisServerError(RuntimeError):
    """Raised when the throwaway server cannot be found or started."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """``with RedisServer() as server: redis.Redis.from_url(server.url)``."""

    def __init__(self, *, appendonly: bool = False) -> None:
        self._appendonly = appendonly
        self._port: int | None = None
        self._dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RedisServerError("RedisServer has no port yet: call start() first")
        return self._port

    def url_for(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    @property
    def url(self) -> str:
        return self.url_for(0)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RedisServerError("RedisServer is not running: call start() first")
        return self._process.pid

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisServerError(
                "redis-server not found on $PATH; install it with "
                "`scripts/install-system-deps.sh` (Debian: apt-get install redis-server)"
            )
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="questline-redis-"))
        if self._port is None:
            self._port = _free_port()
        args = [
            binary,
            "--bind", "127.0.0.1",
            "--port", str(self._port),
            "--dir", str(self._dir),
            "--save", "",
            "--appendonly", "yes" if self._appendonly else "no",
            "--daemonize", "no",
            "--logfile", str(self._dir / "redis.log"),
        ]  # fmt: skip
        self._process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + _START_TIMEOUT
        client = redis.Redis(host="127.0.0.1", port=self._port, socket_connect_timeout=0.5)
        try:
            while True:
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    pass
                if self._process.poll() is not None or time.monotonic() > deadline:
                    log = self._log_tail()
                    self._kill()
                    raise RedisServerError(f"redis-server did not start:\n{log}")
                time.sleep(0.05)
        finally:
            client.close()

    def _log_tail(self) -> str:
        if self._dir is None:
            return ""
        with contextlib.suppress(OSError):
            return "\n".join((self._dir / "redis.log").read_text().splitlines()[-20:])
        return ""

    def _kill(self) -> None:
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    def pause(self) -> None:
        """Kill the server (SIGKILL), keeping its port and directory."""
        self._kill()

    def resume(self) -> None:
        self.start()

    def restart(self, *, flush: bool = False) -> None:
        self._kill()
        if flush and self._dir is not None:
            for child in self._dir.iterdir():
                if child.name != "redis.log":
                    if child.is_dir():
                        shutil.rmtree(child)
                    else:
                        child.unlink()
        self.start()

    def stop(self) -> None:
        self._kill()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
