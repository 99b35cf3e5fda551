"""A throwaway PostgreSQL server on 127.0.0.1 for tests and benchmarks.

The server binaries are looked up in this order:

1. ``$QUESTLINE_PG_BINDIR`` (a directory holding ``initdb``, ``pg_ctl`` and ``postgres``);
2. the newest ``/usr/lib/postgresql/<major>/bin`` (Debian/Ubuntu layout);
3. ``pg_config --bindir``;
4. ``initdb`` on ``$PATH``.

PostgreSQL refuses to run as root, so when the current process is root the
binaries are run as the ``postgres`` OS user through ``runuser``; the temporary
directory (data, Unix socket and log) is then owned by that user.

Nothing here touches a system cluster (e.g. Debian's ``main`` on port 5432):
every server gets its own data directory, its own port and its own socket
directory, and listens on 127.0.0.1 only.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Literal, Self
from urllib.parse import quote

import psycopg
from psycopg import sql

__all__ = ["PostgresError", "PostgresServer", "find_postgres_bindir"]

ShutdownMode = Literal["smart", "fast", "immediate"]

_SUPERUSER = "postgres"
_OS_USER_WHEN_ROOT = "postgres"
_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 30.0
_PORT_ATTEMPTS = 5
_LOG_TAIL_LINES = 40
_BIND_FAILURE = re.compile(
    r"could not bind|could not create any TCP/IP sockets|Address already in use|"
    r"lock file .* already exists"
)


class PostgresError(RuntimeError):
    """Raised when the throwaway server cannot be found, started or stopped."""


def find_postgres_bindir() -> Path:
    """Return the directory holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    candidates: list[Path] = []
    override = os.environ.get("QUESTLINE_PG_BINDIR")
    if override:
        candidates.append(Path(override))
    candidates.extend(_debian_bindirs())
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"],
                capture_output=True,
                text=True,
                check=True,
                timeout=10,
                stdin=subprocess.DEVNULL,
            ).stdout.strip()
            if out:
                candidates.append(Path(out))
    initdb = shutil.which("initdb")
    if initdb is not None:
        candidates.append(Path(initdb).resolve().parent)
    for bindir in candidates:
        if all(os.access(bindir / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise PostgresError(
        "No PostgreSQL server binaries found (looked for initdb, pg_ctl and postgres in "
        "$QUESTLINE_PG_BINDIR, /usr/lib/postgresql/*/bin, `pg_config --bindir` and $PATH). "
        "Install them with `scripts/install-system-deps.sh` (Debian: apt-get install postgresql) "
        "or point QUESTLINE_PG_BINDIR at the bin directory."
    )


def _debian_bindirs() -> list[Path]:
    root = Path("/usr/lib/postgresql")
    if not root.is_dir():
        return []
    found: list[tuple[tuple[int, ...], Path]] = []
    for child in root.iterdir():
        if re.fullmatch(r"\d+(\.\d+)*", child.name) and (child / "bin" / "initdb").exists():
            found.append((tuple(int(p) for p in child.name.split(".")), child / "bin"))
    return [path for _, path in sorted(found, reverse=True)]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _conf_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


class PostgresServer:
    """A throwaway PostgreSQL server on 127.0.0.1 for tests and benchmarks.

    Typical use::

        with PostgresServer() as pg:
            url = pg.create_database("questline_test")
            ...

    ``start()`` creates a fresh cluster in a new temporary directory;
    ``pause()``/``resume()`` (and ``restart()``) stop and start the server
    process while keeping the data and the port; ``stop()`` kills the server
    and deletes everything. The cluster is tuned for speed, not durability
    (``fsync``, ``synchronous_commit`` and ``full_page_writes`` are off).
    """

    def __init__(self, port: int | None = None) -> None:
        self._requested_port = port
        self._port: int | None = port
        self._base_dir: Path | None = None
        self._running = False
        self._bindir: Path | None = None

    # ------------------------------------------------------------------ info

    @property
    def port(self) -> int:
        """The TCP port (chosen by ``start()`` when none was given)."""
        if self._port is None:
            raise PostgresError("PostgresServer has no port yet: call start() first")
        return self._port

    @property
    def base_dir(self) -> Path:
        """The temporary directory holding ``data/``, the Unix socket and ``server.log``."""
        if self._base_dir is None:
            raise PostgresError("PostgresServer has no cluster: call start() first")
        return self._base_dir

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def log_path(self) -> Path:
        return self.base_dir / "server.log"

    @property
    def pid(self) -> int:
        """The postmaster's process id (its backends are its children)."""
        if not self._running:
            raise PostgresError("PostgresServer is not running")
        return int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])

    @property
    def running(self) -> bool:
        """True between ``start()``/``resume()`` and ``pause()``/``stop()``."""
        return self._running

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``postgres`` maintenance database."""
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        """SQLAlchemy URL (``postgresql+psycopg://``) of ``database`` on this server."""
        return f"postgresql+psycopg://{_SUPERUSER}@127.0.0.1:{self.port}/{database}"

    @property
    def conninfo(self) -> str:
        """libpq URI of the ``postgres`` database, for ``psycopg.connect()``."""
        return self.conninfo_for("postgres")

    def conninfo_for(self, database: str) -> str:
        """libpq URI (``postgresql://``) of ``database``, for ``psycopg.connect()``."""
        return f"postgresql://{_SUPERUSER}@127.0.0.1:{self.port}/{quote(database, safe='')}"

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        """The last ``lines`` lines of the server log ("" if there is none)."""
        if self._base_dir is None:
            return ""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # ------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Create a fresh cluster in a new temporary directory and start it.

        Blocks until the server accepts connections (at most ~30 s); raises
        ``PostgresError`` (a ``RuntimeError``) with the log tail on failure.
        """
        if self._base_dir is not None:
            raise PostgresError(
                "PostgresServer already has a cluster: use resume()/restart(), or stop() first"
            )
        self._bindir = find_postgres_bindir()
        base = Path(tempfile.mkdtemp(prefix="questline-pg-"))
        self._base_dir = base
        atexit.register(self._stop_at_exit)
        try:
            if os.geteuid() == 0:
                user = self._os_user()
                os.chown(base, user.pw_uid, user.pw_gid)
            self._initdb()
            attempts = 1 if self._requested_port is not None else _PORT_ATTEMPTS
            for attempt in range(1, attempts + 1):
                if self._requested_port is None:
                    self._port = _free_port()
                if self.log_path.exists():
                    self.log_path.write_text("", encoding="utf-8")  # judge this attempt only
                try:
                    self._start_server()
                except PostgresError:
                    if attempt == attempts or not _BIND_FAILURE.search(self.log_tail()):
                        raise
                else:
                    break
        except BaseException:
            self.stop()
            raise

    def pause(self, mode: ShutdownMode = "fast") -> None:
        """Stop the server process but keep the data directory (and the port).

        ``mode="immediate"`` simulates a crash (the next ``resume()`` runs
        crash recovery); with ``synchronous_commit=off`` the last few hundred
        milliseconds of commits may then be lost, as on a real crash.
        No-op if the server is already paused.
        """
        if self._base_dir is None:
            raise PostgresError("PostgresServer has no cluster: call start() first")
        if not self._running:
            return
        self._pg_ctl_stop(mode)

    def resume(self) -> None:
        """Start the paused server again on the same port with the same data."""
        if self._base_dir is None:
            raise PostgresError("PostgresServer has no cluster: call start() first")
        if self._running:
            return
        self._start_server()

    def restart(self, mode: ShutdownMode = "fast") -> None:
        """``pause(mode)`` then ``resume()``: same data, same port."""
        self.pause(mode)
        self.resume()

    def stop(self) -> None:
        """Kill the server (``pg_ctl stop -m immediate``) and delete its directory.

        Idempotent; also safe on a server that was never started or is paused.
        """
        base = self._base_dir
        if base is None:
            return
        try:
            if self._running or (base / "data" / "postmaster.pid").exists():
                with contextlib.suppress(PostgresError):
                    self._pg_ctl_stop("immediate")
        finally:
            self._running = False
            self._base_dir = None
            if self._requested_port is None:
                self._port = None
            shutil.rmtree(base, ignore_errors=True)
            atexit.unregister(self._stop_at_exit)

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

    # ------------------------------------------------------------- databases

    def create_database(self, name: str, template: str | None = None) -> str:
        """``CREATE DATABASE name [TEMPLATE template]``; returns its SQLAlchemy URL.

        PostgreSQL refuses to copy a template that has open connections.
        """
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            query = sql.SQL("{} TEMPLATE {}").format(query, sql.Identifier(template))
        self._admin_execute(query)
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """``DROP DATABASE IF EXISTS name WITH (FORCE)`` (disconnects its sessions)."""
        self._admin_execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    def _admin_execute(self, query: sql.Composed) -> None:
        if not self._running:
            raise PostgresError("PostgreSQL server is not running")
        with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=10) as conn:
            conn.execute(query)

    # -------------------------------------------------------------- internals

    @staticmethod
    def _os_user() -> pwd.struct_passwd:
        try:
            return pwd.getpwnam(_OS_USER_WHEN_ROOT)
        except KeyError:
            raise PostgresError(
                f"Running as root, but there is no {_OS_USER_WHEN_ROOT!r} OS user to run "
                "PostgreSQL as (PostgreSQL refuses to run as root). Install the Debian "
                "`postgresql` package (which creates it) or run the tests as a normal user."
            ) from None

    def _run(self, tool: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
        if self._bindir is None or self._base_dir is None:
            raise PostgresError("PostgresServer has no cluster: call start() first")
        argv = [str(self._bindir / tool), *args]
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise PostgresError("Running as root, but `runuser` is not available")
            argv = [runuser, "-u", _OS_USER_WHEN_ROOT, "--", *argv]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C")
        try:
            return subprocess.run(
                argv,
                capture_output=True,
                text=True,
                check=False,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
                cwd=self._base_dir,
                env=env,
            )
        except subprocess.TimeoutExpired as err:
            raise PostgresError(
                f"{tool} timed out after {timeout:.0f} s\n--- server log tail ---\n"
                f"{self.log_tail()}"
            ) from err

    def _initdb(self) -> None:
        result = self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            _SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
            timeout=120,
        )
        if result.returncode != 0:
            raise PostgresError(
                f"initdb failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
            )
        settings = {
            "listen_addresses": _conf_quote("127.0.0.1"),
            "unix_socket_directories": _conf_quote(str(self.base_dir)),
            "max_connections": "200",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        conf = self.data_dir / "postgresql.conf"
        with conf.open("a", encoding="utf-8") as fh:
            fh.write("\n# questline throwaway test server\n")
            fh.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _start_server(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        result = self._run(
            "pg_ctl",
            "start",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_path),
            "-o",
            f"-p {self.port}",
            "-w",
            "-t",
            str(int(_START_TIMEOUT)),
            timeout=_START_TIMEOUT + 10,
        )
        if result.returncode != 0:
            # pg_ctl may have given up while the postmaster is still coming up.
            with contextlib.suppress(PostgresError):
                self._pg_ctl_stop("immediate")
            raise PostgresError(
                f"PostgreSQL failed to start on 127.0.0.1:{self.port} "
                f"(pg_ctl exit {result.returncode}):\n{result.stdout}{result.stderr}"
                f"--- server log tail ({self.log_path}) ---\n{self.log_tail()}"
            )
        self._running = True
        self._wait_until_ready(deadline)

    def _wait_until_ready(self, deadline: float) -> None:
        while True:
            try:
                with psycopg.connect(self.conninfo, connect_timeout=5) as conn:
                    conn.execute("SELECT 1")
            except psycopg.OperationalError as err:
                if time.monotonic() >= deadline:
                    raise PostgresError(
                        f"PostgreSQL on 127.0.0.1:{self.port} does not accept connections: "
                        f"{err}\n--- server log tail ({self.log_path}) ---\n{self.log_tail()}"
                    ) from err
                time.sleep(0.05)
            else:
                return

    def _pg_ctl_stop(self, mode: ShutdownMode) -> None:
        result = self._run(
            "pg_ctl",
            "stop",
            "-D",
            str(self.data_dir),
            "-m",
            mode,
            "-w",
            "-t",
            str(int(_STOP_TIMEOUT)),
            timeout=_STOP_TIMEOUT + 10,
        )
        # A failure with no postmaster.pid left means "no server running": fine.
        if result.returncode != 0 and (self.data_dir / "postmaster.pid").exists():
            raise PostgresError(
                f"pg_ctl stop -m {mode} failed (exit {result.returncode}):\n"
                f"{result.stdout}{result.stderr}--- server log tail ---\n{self.log_tail()}"
            )
        self._running = False

    def _stop_at_exit(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
