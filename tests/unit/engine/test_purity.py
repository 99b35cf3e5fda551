"""The engine is pure: importing it pulls in no database, web framework or network code."""

from __future__ import annotations

import subprocess
import sys


def test_the_engine_imports_no_io_frameworks() -> None:
    probe = (
        "import sys, questline.engine, questline.engine.process;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in"
        " {'sqlalchemy', 'fastapi', 'starlette', 'psycopg', 'httpx', 'sqlite3', 'alembic'});"
        "print(','.join(bad))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == ""
