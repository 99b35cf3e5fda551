"""Distributed mode on real servers: PostgreSQL, Redis, `questline worker` processes."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from questline.api.app import create_app
from questline.settings import Settings
from questline.storage.database import Database
from tests.integration.conftest import Api, make_settings
from tests.support.postgres import PostgresServer
from tests.support.processes import QuestlineProcess, questline_env, start_worker

_names = itertools.count()

# Order matters to this design: the bonus depends on the balance before each event, so
# applying a player's events in any other order than the log's gives other gems.
DESIGN = """
currencies:
  xp: {levels: {thresholds: [0, 100, 400]}}
  gems: {}
rules:
  - {id: xp, on: did, award: {xp: "event.n"}}
  - {id: bonus, on: did, when: "currency.xp >= 50 and currency.xp < 400", award: {gems: 1}}
"""


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    name = f"dist_{os.getpid()}_{next(_names)}"
    yield postgres_server.create_database(name, template="questline_template")
    postgres_server.drop_database(name)


@pytest.fixture
def distributed(pg_url: str, redis_url: str) -> Settings:
    return make_settings(pg_url, redis_url=redis_url, worker_shards=4)


@pytest.fixture
def api(distributed: Settings) -> Iterator[Api]:
    with TestClient(create_app(distributed), raise_server_exceptions=False) as client:
        api = Api(client)
        api.publish(DESIGN)
        yield api


@pytest.fixture
def database(pg_url: str) -> Iterator[Database]:
    database = Database(pg_url)
    yield database
    database.dispose()


@pytest.fixture
def workers(
    pg_url: str, redis_url: str, tmp_path: Path
) -> Iterator[Callable[..., QuestlineProcess]]:
    """Start `questline worker` processes; all are stopped at the end of the test."""
    started: list[QuestlineProcess] = []

    def start(name: str = "worker", **settings: str) -> QuestlineProcess:
        env = questline_env(pg_url, redis_url, worker_shards="4", **settings)
        process = start_worker(env, tmp_path, f"{name}-{len(started)}")
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
