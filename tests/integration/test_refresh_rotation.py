"""Refresh-token rotation against a model: whatever order tokens are presented in, each
works once, and the first replay revokes the whole family for good."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questline.storage.apps import ensure_app
from questline.storage.database import Database
from questline.storage.users import Refresh, create_user, issue_refresh, rotate_refresh

WEEK = timedelta(days=7)


@pytest.fixture
def database(database_url: str) -> Iterator[tuple[Database, int, int]]:
    database = Database(database_url)
    with database.transaction() as session:
        app = ensure_app(session, "default")
        user = create_user(session, "ada@example.com", "not-a-real-hash")
        ids = (user.id, app.id)
    try:
        yield database, *ids
    finally:
        database.dispose()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(presented=st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=12))
def test_each_token_works_once_and_a_replay_ends_the_family(
    database: tuple[Database, int, int], presented: list[int]
) -> None:
    db, user_id, app_id = database
    with db.transaction() as session:
        first, _ = issue_refresh(session, user_id, app_id, WEEK)
    issued = [first]
    used: set[str] = set()
    revoked = False
    for choice in presented:
        token = issued[choice % len(issued)]
        with db.transaction() as session:
            rotation = rotate_refresh(session, token, WEEK)
        if revoked:
            expected = Refresh.UNKNOWN
        elif token in used:
            expected = Refresh.REUSED
            revoked = True
        else:
            expected = Refresh.ROTATED
        assert rotation.outcome is expected
        if rotation.outcome is Refresh.ROTATED:
            assert rotation.token is not None
            used.add(token)
            issued.append(rotation.token)
    # Only the newest token of a family in good standing still works.
    with db.transaction() as session:
        last = rotate_refresh(session, issued[-1], WEEK)
    assert last.outcome is (Refresh.UNKNOWN if revoked else Refresh.ROTATED)


def test_two_clients_racing_with_one_token_get_one_pair_and_lose_the_family(
    database: tuple[Database, int, int],
) -> None:
    db, user_id, app_id = database
    with db.transaction() as session:
        token, _ = issue_refresh(session, user_id, app_id, WEEK)
    barrier = threading.Barrier(2)
    outcomes: list[Refresh] = []
    newest: list[str] = []

    def present() -> None:
        barrier.wait()
        with db.transaction() as session:
            rotation = rotate_refresh(session, token, WEEK)
        outcomes.append(rotation.outcome)
        if rotation.token is not None:
            newest.append(rotation.token)

    threads = [threading.Thread(target=present) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcome.value for outcome in outcomes) == ["reused", "rotated"]
    # The winner's new token went down with the family when the loser replayed.
    with db.transaction() as session:
        assert rotate_refresh(session, newest[0], WEEK).outcome is Refresh.UNKNOWN
