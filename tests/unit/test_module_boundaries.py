"""The core never imports a bounded module: modules plug into the core's registration
points from the composition roots (api/app.py, and composition.py for workers), so a
module can change, or go, without the core noticing."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src" / "questline"
MODULES = ("notifications", "social", "learning", "web", "analytics")
# Where modules are wired in: the composition root and the entry points around it.
COMPOSITION = {"api/app.py", "composition.py", "storage/migrations/env.py"}
# The command line is an entry point too: every file of its package.
COMPOSITION_PACKAGES = ("cli/",)


def imported_names(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_core_file_imports_a_module() -> None:
    offenders = []
    for path in SOURCE.rglob("*.py"):
        relative = path.relative_to(SOURCE).as_posix()
        if (
            relative.split("/")[0] in MODULES
            or relative in COMPOSITION
            or relative.startswith(COMPOSITION_PACKAGES)
        ):
            continue
        for name in imported_names(path):
            if any(name.startswith(f"questline.{module}") for module in MODULES):
                offenders.append(f"{relative} imports {name}")
    assert offenders == []


def test_the_pure_part_of_notifications_imports_no_io_frameworks() -> None:
    probe = (
        "import sys, questline.notifications.model, questline.notifications.signing,"
        " questline.notifications.delivery;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in"
        " {'sqlalchemy', 'fastapi', 'starlette', 'psycopg', 'httpx', 'httpcore', 'redis'});"
        "print(','.join(bad))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == ""


def test_a_worker_with_its_modules_starts_without_the_web_framework() -> None:
    """Celery workers, beat and the embedded child process load only what processing
    needs: the server's routes and FastAPI would slow every worker's start."""
    probe = (
        "import sys, questline.composition, questline.processing.distributed,"
        " questline.processing.dispatch;"
        "print(','.join(sorted(m for m in sys.modules"
        " if m.split('.')[0] in {'fastapi', 'uvicorn'} or m.startswith('questline.api'))))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == ""
