"""The `questline` command, run as a user runs it: a separate process, settings from
the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.command import upgrade
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from questline.api.app import create_app
from questline.errors import SchemaMismatch
from questline.storage.models import Base
from questline.storage.schema import alembic_config, head_revision, migrate
from tests.conftest import ADMIN_KEY
from tests.integration.conftest import BLUEPRINTS, make_settings

ROOT = Path(__file__).resolve().parents[2]


def questline(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUESTLINE_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "questline.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_creates_the_schema_and_is_safe_to_repeat(empty_database_url: str) -> None:
    first = questline(empty_database_url, "migrate")
    assert first.returncode == 0, first.stderr
    assert f"empty -> {head_revision()}" in first.stdout
    again = questline(empty_database_url, "migrate")
    assert again.returncode == 0
    assert f"{head_revision()} -> {head_revision()}" in again.stdout


def test_the_migrations_build_the_schema_the_models_describe(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    # The rank index orders by an expression, which autogenerate cannot compare.
    assert [d for d in differences if d[1].name != "ix_leaderboard_scores_rank"] == []


def test_an_upgrade_counts_versions_published_before_it_as_backfilled(
    empty_database_url: str,
) -> None:
    engine = create_engine(empty_database_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        upgrade(config, "0004")
        connection.execute(
            text(
                "INSERT INTO apps (id, slug, name, created_at)"
                " VALUES (1, 'a', 'A', CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO config_versions (app_id, version, document, created_at)"
                " VALUES (1, 1, '{}', CURRENT_TIMESTAMP)"
            )
        )
    migrate(engine)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT created_at, backfilled_at, backfill_alive_at FROM config_versions")
        ).one()
    engine.dispose()
    # Counted as backfilled when it was published, so no backfill of it is resumed.
    assert row.backfilled_at is not None
    assert row.backfilled_at == row.created_at
    assert row.backfill_alive_at is None


def test_the_server_refuses_an_unmigrated_database_with_a_clear_message(
    empty_database_url: str,
) -> None:
    with (
        pytest.raises(SchemaMismatch, match="run `questline migrate`"),
        TestClient(create_app(make_settings(empty_database_url))),
    ):
        pass


def test_the_server_refuses_a_schema_newer_than_it_knows(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with (
        pytest.raises(SchemaMismatch, match="newer than this Questline"),
        TestClient(create_app(make_settings(database_url))),
    ):
        pass


def test_apply_publishes_a_design_and_reports_every_problem_of_a_bad_one(
    database_url: str, tmp_path: Path
) -> None:
    applied = questline(database_url, "apply", str(BLUEPRINTS / "skillquest.yaml"))
    assert applied.returncode == 0, applied.stderr
    assert "version 1" in applied.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "currencies: {xp: {}}\n"
        "rules:\n"
        "  - {id: r, on: did, award: {xp: 'event.n +'}}\n"
        "  - {id: s, on: did, award: {gold: 1}}\n"
    )
    refused = questline(database_url, "apply", str(broken))
    assert refused.returncode == 1
    assert "rules.0.award.xp" in refused.stderr
    assert "rules.1.award.gold: unknown currency 'gold'" in refused.stderr


def test_demo_loads_once_and_keys_create_makes_a_scoped_key(database_url: str) -> None:
    loaded = questline(database_url, "demo", "--if-empty")
    assert loaded.returncode == 0, loaded.stderr
    # the seed's 7 events, and eight weeks of history for the analytics to chart
    assert "630 events processed" in loaded.stdout
    assert "already has events" in questline(database_url, "demo", "--if-empty").stdout

    created = questline(
        database_url, "keys", "create", "--name", "ingest", "--scope", "events:write"
    )
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("ql_sk_")
    with TestClient(create_app(make_settings(database_url))) as client:
        headers = {"Authorization": f"Bearer {secret}"}
        assert client.get("/v1/players/ada", headers=headers).status_code == 403
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        ada = client.get("/v1/players/ada", headers=admin).json()
        # the seed: 85 % of 100 + 92 % of 150 + 78 % of 250 + 95 % of 300 = 85 + 138 + 195 + 285
        assert ada["currencies"]["xp"]["balance"] == 703
        # and ada was told: levels 2 and 3 (100 and 400 XP) are in her inbox, unread
        told = client.get("/v1/players/ada/notifications", headers=admin).json()["data"]
        titles = [notification["title"] for notification in told]
        assert {"Level 2!", "Level 3!"} <= set(titles)
        assert ada["unread_notifications"] == len(told)
        posted = client.post(
            "/v1/events",
            headers=headers,
            json={
                "type": "attempt.submitted",
                "player": "ada",
                "item": "joins",
                "properties": {"score": 50},
            },
        )
        assert posted.status_code == 202


def test_backfill_awards_what_a_new_version_lowered(database_url: str, tmp_path: Path) -> None:
    assert questline(database_url, "demo").returncode == 0
    lowered = tmp_path / "lowered.yaml"
    text = (BLUEPRINTS / "skillquest.yaml").read_text(encoding="utf-8")
    lowered.write_text(text.replace("target: 1000", "target: 700"), encoding="utf-8")
    assert questline(database_url, "apply", str(lowered)).returncode == 0
    done = questline(database_url, "backfill")
    assert done.returncode == 0, done.stderr
    assert "design version 2" in done.stdout
    # ada's 703 XP now reach the club, and two of the demo history's learners'
    assert "3 achievements awarded" in done.stdout
    assert "0 achievements awarded" in questline(database_url, "backfill").stdout
    assert questline(database_url, "backfill", "--app", "nope").returncode == 1
    with TestClient(create_app(make_settings(database_url))) as client:
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        held = client.get("/v1/players/ada/achievements", headers=admin).json()["data"]
        assert [a["id"] for a in held if a["unlocked"]] == ["thousand-club"]
