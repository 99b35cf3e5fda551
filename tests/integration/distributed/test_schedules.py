"""Whatever order the broker hands out drains in — any shard first, some twice, batches
cut anywhere — the effects are those of the event log replayed in order, once."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questline.processing.designs import DesignCache
from questline.processing.ingest import NewEvent, ingest
from questline.processing.worker import Shard, Worker
from questline.storage import configs
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from questline.yamlfile import load_yaml
from tests.integration.distributed.conftest import DESIGN
from tests.support.replay import replay, stored

pytestmark = pytest.mark.postgres
SHARDS = 3
_rounds = itertools.count()

drains = st.lists(st.tuples(st.integers(0, SHARDS - 1), st.integers(1, 7)), min_size=1, max_size=25)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    amounts=st.lists(st.tuples(st.integers(0, 4), st.integers(1, 40)), min_size=1, max_size=30),
    schedule=drains,
)
def test_any_schedule_of_partial_drains_gives_the_replay_of_the_log(
    database: Database, amounts: list[tuple[int, int]], schedule: list[tuple[int, int]]
) -> None:
    round_ = next(_rounds)
    with database.transaction() as session:
        ingest(
            session,
            1,
            [
                NewEvent(
                    "did", f"r{round_}-p{player}", key=f"r{round_}-{index}", properties={"n": n}
                )
                for index, (player, n) in enumerate(amounts)
            ],
            datetime.now(UTC),
        )
    worker = Worker(database, DesignCache())
    for shard, limit in schedule:  # the broker's order, duplicates and all
        worker.process_batch(limit=limit, shard=Shard(shard, SHARDS))
    for shard in range(SHARDS):  # then whatever is left, as the sweep would
        worker.drain(shard=Shard(shard, SHARDS))

    expected, actual = replay(database, 1), stored(database, 1)
    assert actual.pending == 0
    assert actual.balances == expected.balances
    assert actual.ledger_entries == expected.ledger_entries


@pytest.fixture
def database(pg_url: str) -> Iterator[Database]:
    """The design published, no API: the test plays the broker itself."""
    database = Database(pg_url)
    with database.transaction() as session:
        app = ensure_app(session, "default")
        configs.publish(
            session, app.id, load_yaml(DESIGN), source=None, comment=None, created_by=None
        )
    yield database
    database.dispose()
