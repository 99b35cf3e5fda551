"""The core never imports the learning module: it is wired in at the composition root
(`api/app.py`, the CLI), so the core works, and is tested, without it."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "questline.engine",
    "questline.storage",
    "questline.processing",
    "questline.leaderboards",
    "questline.leagues",
    "questline.auth",
    "questline.api",
]
ROOTS = {"questline.api.app"}  # the composition root wires modules in


def test_no_core_module_imports_the_learning_module() -> None:
    probe = f"""
import importlib, pkgutil, sys
for package in {CORE!r}:
    module = importlib.import_module(package)
    for found in pkgutil.walk_packages(module.__path__, package + "."):
        if found.name not in {ROOTS!r} and ".migrations" not in found.name:
            importlib.import_module(found.name)
print(",".join(sorted(m for m in sys.modules if m.startswith("questline.learning"))))
"""
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == ""


def test_the_learning_models_are_pure() -> None:
    probe = (
        "import sys, questline.learning.model, questline.learning.memory,"
        " questline.learning.content;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in"
        " {'sqlalchemy', 'fastapi', 'starlette', 'psycopg', 'httpx', 'sqlite3', 'alembic'});"
        "print(','.join(bad))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == ""
