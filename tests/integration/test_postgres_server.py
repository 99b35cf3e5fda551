"""Tests of the throwaway PostgreSQL server used by the rest of the suite."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    with PostgresServer() as pg:
        yield pg


def test_urls_and_settings(server: PostgresServer) -> None:
    port = server.port
    assert server.url == f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    assert server.url_for("quests") == f"postgresql+psycopg://postgres@127.0.0.1:{port}/quests"
    with psycopg.connect(server.conninfo) as conn:
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()
            for name in ("fsync", "synchronous_commit", "max_connections", "listen_addresses")
        }
        assert conn.execute("SHOW server_encoding").fetchone() == ("UTF8",)
    assert settings == {
        "fsync": ("off",),
        "synchronous_commit": ("off",),
        "max_connections": ("200",),
        "listen_addresses": ("127.0.0.1",),
    }


def test_template_copy_and_pause_resume_keep_data(server: PostgresServer) -> None:
    url = server.create_database("tpl_quests")
    assert url == server.url_for("tpl_quests")
    with psycopg.connect(server.conninfo_for("tpl_quests"), autocommit=True) as conn:
        conn.execute("CREATE TABLE badge (id int PRIMARY KEY, name text NOT NULL)")
        conn.execute("INSERT INTO badge VALUES (1, 'first-step'), (2, 'streak-7')")

    server.create_database("copy_quests", template="tpl_quests")
    with psycopg.connect(server.conninfo_for("copy_quests"), autocommit=True) as conn:
        conn.execute("INSERT INTO badge VALUES (3, 'only-in-copy')")

    port = server.port
    server.pause()
    assert not server.running
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.conninfo, connect_timeout=2).close()
    server.resume()
    assert server.running
    assert server.port == port

    server.restart(mode="immediate")  # crash + recovery: committed, flushed data survives
    with psycopg.connect(server.conninfo_for("copy_quests")) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM badge ORDER BY id")]
    assert names == ["first-step", "streak-7", "only-in-copy"]
    with psycopg.connect(server.conninfo_for("tpl_quests")) as conn:
        assert conn.execute("SELECT count(*) FROM badge").fetchone() == (2,)

    # WITH (FORCE) disconnects open sessions; IF EXISTS makes it idempotent.
    holder = psycopg.connect(server.conninfo_for("copy_quests"))
    try:
        server.drop_database("copy_quests")
    finally:
        holder.close()
    server.drop_database("copy_quests")
    server.drop_database("tpl_quests")
    with psycopg.connect(server.conninfo) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", ["%quests"]
        ).fetchall()
    assert rows == []


def test_stop_removes_temp_dir_and_is_idempotent() -> None:
    pg = PostgresServer()
    pg.stop()  # never started: no-op
    with pg:
        base_dir = pg.base_dir
        assert (base_dir / "data" / "PG_VERSION").is_file()
        pg.pause()
    assert not base_dir.exists()
    assert not pg.running
    pg.stop()
    with pytest.raises(RuntimeError, match="call start"):
        _ = pg.url
