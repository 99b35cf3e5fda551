"""A migrated SQLite database in milliseconds.

Running every migration takes a second or more; hundreds of tests each start on a fresh
database. The migrations run once per test process into a template file, and each test
gets a copy of it, as the PostgreSQL tests get a copy of a template database. Tests of the
migrations themselves start from an empty file instead (`empty_database_url`).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import create_engine

from questline.storage.schema import migrate

__all__ = ["migrated_sqlite"]

_template: Path | None = None


def migrated_sqlite(path: Path) -> str:
    """Write a database at the head of the migrations to ``path``; its SQLAlchemy URL."""
    shutil.copyfile(_migrated_template(), path)
    return f"sqlite:///{path}"


def _migrated_template() -> Path:
    global _template
    if _template is None:
        directory = Path(tempfile.mkdtemp(prefix="questline-schema-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        template = directory / "template.db"
        engine = create_engine(f"sqlite:///{template}")
        try:
            migrate(engine)
        finally:
            engine.dispose()
        leftovers = sorted(p.name for p in directory.iterdir() if p != template)
        assert not leftovers, f"the template left files beside it: {leftovers}"
        _template = template
    return _template
