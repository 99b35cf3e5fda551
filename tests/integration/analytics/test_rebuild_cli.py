"""`questline rebuild analytics` recounts an app from its event log: the same rollups
the workers kept, and figures for events processed before the module counted them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from questline.analytics.worker_wiring import install_worker
from questline.seeding import load_demo
from questline.storage.database import Database
from tests.integration.test_demo import questline


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    handle = Database(database_url)
    yield handle
    handle.dispose()


def _counts(database: Database) -> list[tuple[str, ...]]:
    with database.reader() as session:
        rows = session.execute(text("SELECT * FROM analytics_counts"))
        return sorted(tuple(str(v) for v in row) for row in rows)


def test_a_rebuild_reproduces_the_rollups_and_fills_them_for_older_events(
    database_url: str, database: Database
) -> None:
    load_demo(database, "skillquest", extend=install_worker)
    kept = _counts(database)
    assert kept
    rebuilt = questline(database_url, "rebuild", "analytics", "--app", "default")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "analytics of app 'default' rebuilt" in rebuilt.stdout
    assert _counts(database) == kept
    # Events processed by a worker without the module (as before an upgrade) are counted
    # by the rebuild.
    load_demo(database, "fitness", app_slug="default")
    assert questline(database_url, "rebuild", "analytics").returncode == 0
    assert len(_counts(database)) > len(kept)
