"""`questline import`: a history of events from a file, as a host app's developer loads
one — through the command, then read back over the API."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from questline.api.app import create_app
from questline.services.event_import import csv_value
from tests.conftest import ADMIN_KEY
from tests.integration.conftest import make_settings
from tests.integration.test_cli import ROOT, questline

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
ITEMS = ["sql-basics", "joins", "window-functions", "indexing"]


def history(count: int, players: int = 40, seed: int = 7) -> list[dict[str, Any]]:
    """Attempts at the demo's challenges over November, oldest first per player."""
    chance = random.Random(seed)
    return [
        {
            "type": "attempt.submitted",
            "player": f"learner-{index % players}",
            "item": chance.choice(ITEMS),
            "time": f"2026-11-{1 + index * 28 // count:02d}T{8 + index % 12:02d}:00:00Z",
            "properties": {"score": chance.randint(40, 100)},
        }
        for index in range(count)
    ]


def write_ndjson(path: Path, events: list[dict[str, Any]], *extra_lines: str) -> Path:
    lines = [json.dumps(event) for event in events] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def balances(database_url: str, players: set[str]) -> dict[str, int]:
    with TestClient(create_app(make_settings(database_url))) as client:
        return {
            player: client.get(f"/v1/players/{player}", headers=ADMIN).json()["currencies"]["xp"][
                "balance"
            ]
            for player in sorted(players)
        }


@pytest.fixture
def demo_database(database_url: str) -> str:
    loaded = questline(database_url, "demo")
    assert loaded.returncode == 0, loaded.stderr
    return database_url


def test_an_import_awards_what_the_same_events_sent_to_the_api_award_and_only_once(
    demo_database: str, tmp_path: Path
) -> None:
    events = history(600)
    source = write_ndjson(tmp_path / "events.ndjson", events)
    imported = questline(demo_database, "import", str(source), "--chunk", "100")
    assert imported.returncode == 0, imported.stderr
    assert "600 rows: 600 accepted, 0 duplicates, 0 rejected; 600 events processed" in (
        imported.stdout
    )

    # The same events through POST /v1/events/batch on a second server.
    other = f"sqlite:///{tmp_path / 'api.db'}"
    assert questline(other, "migrate").returncode == 0
    assert questline(other, "demo").returncode == 0
    with TestClient(create_app(make_settings(other))) as client:
        for start in range(0, len(events), 200):
            sent = client.post(
                "/v1/events/batch",
                headers=ADMIN,
                params={"wait": "true"},
                json={"events": events[start : start + 200]},
            )
            assert sent.status_code == 202, sent.text
            assert sent.json()["accepted"] == 200
    players = {event["player"] for event in events}
    sent_to_the_api = balances(other, players)
    assert balances(demo_database, players) == sent_to_the_api

    again = questline(demo_database, "import", str(source))
    assert again.returncode == 0, again.stderr
    assert "600 rows: 0 accepted, 600 duplicates, 0 rejected" in again.stdout
    assert balances(demo_database, players) == sent_to_the_api


def test_rows_that_are_not_events_go_to_a_rejects_file_with_their_reasons(
    demo_database: str, tmp_path: Path
) -> None:
    good = history(10)
    source = write_ndjson(
        tmp_path / "events.ndjson",
        good,
        "not json",
        json.dumps({"type": "attempt.submitted", "player": "x", "item": "no-such-challenge"}),
        json.dumps({"type": "attempt.submitted", "player": "x", "when": "yesterday"}),
        json.dumps(["an", "array"]),
    )
    imported = questline(demo_database, "import", str(source))
    assert imported.returncode == 0, imported.stderr
    assert "14 rows: 10 accepted, 0 duplicates, 4 rejected" in imported.stdout
    rejects = [
        json.loads(line)
        for line in (tmp_path / "events.ndjson.rejects.ndjson").read_text().splitlines()
    ]
    by_row = {reject["row"]: reject for reject in rejects}
    assert sorted(by_row) == [11, 12, 13, 14]
    assert by_row[11]["errors"][0]["message"].startswith("not JSON")
    assert "no-such-challenge" in by_row[12]["errors"][0]["message"]
    assert by_row[13]["errors"][0]["loc"] == ["when"]
    assert "one JSON object" in by_row[14]["errors"][0]["message"]
    assert "rejected rows and their reasons are in" in imported.stdout


def test_a_csv_file_names_event_fields_in_its_header(demo_database: str, tmp_path: Path) -> None:
    source = tmp_path / "events.csv"
    source.write_text(
        "player,type,item,time,properties.score,profile.name,profile.time_zone\n"
        "noa,attempt.submitted,joins,2026-11-02T09:00:00Z,80,נועה,Asia/Jerusalem\n"
        # The same row twice is two attempts, as two identical lines of a log are.
        "noa,attempt.submitted,sql-basics,2026-11-03T09:00:00Z,90,,\n"
        "noa,attempt.submitted,sql-basics,2026-11-03T09:00:00Z,90,,\n",
        encoding="utf-8",
    )
    imported = questline(demo_database, "import", str(source))
    assert imported.returncode == 0, imported.stderr
    assert "3 rows: 3 accepted" in imported.stdout
    with TestClient(create_app(make_settings(demo_database))) as client:
        noa = client.get("/v1/players/noa", headers=ADMIN).json()
    # 80 % of joins' 150 XP, then twice 90 % of sql-basics' 100 XP
    assert noa["currencies"]["xp"]["balance"] == 120 + 90 + 90
    assert noa["display_name"] == "נועה"
    assert noa["time_zone"] == "Asia/Jerusalem"


# What is checked happens before the database is touched, or in files: one database is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_csv_column_that_is_no_event_field_stops_the_import_before_it_starts(
    demo_database: str, tmp_path: Path
) -> None:
    source = tmp_path / "events.csv"
    source.write_text("player,type,score\nnoa,attempt.submitted,80\n", encoding="utf-8")
    refused = questline(demo_database, "import", str(source))
    assert refused.returncode == 2
    assert "CSV column 'score' is not an event field" in refused.stderr
    with TestClient(create_app(make_settings(demo_database))) as client:
        assert client.get("/v1/players/noa", headers=ADMIN).status_code == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_interrupted_import_carries_on_and_counts_every_event_once(
    demo_database: str, tmp_path: Path
) -> None:
    events = history(1200, players=120)
    source = write_ndjson(tmp_path / "events.ndjson", events)
    state = tmp_path / "events.ndjson.import-state.json"
    env = {**os.environ, "QUESTLINE_DATABASE_URL": demo_database}
    running = subprocess.Popen(
        [sys.executable, "-m", "questline.cli", "import", str(source), "--chunk", "50"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not state.exists() and running.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    running.send_signal(signal.SIGINT)
    _, stderr = running.communicate(timeout=60)
    assert running.returncode == 130, stderr
    assert "run the same command again to carry on" in stderr
    done_before = json.loads(state.read_text())["rows_done"]
    assert 0 < done_before < 1200

    resumed = questline(demo_database, "import", str(source), "--chunk", "50")
    assert resumed.returncode == 0, resumed.stderr
    assert f"carried on after row {done_before:,}" in resumed.stdout
    assert "1,200 rows: 1,200 accepted, 0 duplicates, 0 rejected" in resumed.stdout
    assert not state.exists()

    # Every event counted exactly once: the same balances as one uninterrupted import.
    whole = f"sqlite:///{tmp_path / 'whole.db'}"
    assert questline(whole, "migrate").returncode == 0
    assert questline(whole, "demo").returncode == 0
    assert questline(whole, "import", str(source)).returncode == 0
    players = {event["player"] for event in events}
    assert balances(demo_database, players) == balances(whole, players)


@given(st.integers(-(10**12), 10**12) | st.booleans())
def test_a_csv_cell_reads_back_as_the_value_it_was_written_from(value: int | bool) -> None:
    written = str(value).lower() if isinstance(value, bool) else str(value)
    assert csv_value(written) == value
    assert type(csv_value(written)) is type(value)


def test_a_csv_cell_that_is_no_number_stays_text() -> None:
    assert csv_value("1.5") == 1.5
    assert csv_value("twelve") == "twelve"
    assert csv_value("True") == "True"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_row_whose_id_is_null_is_counted_once_however_often_it_is_imported(
    demo_database: str, tmp_path: Path
) -> None:
    events = [{**event, "id": None} for event in history(5)]
    source = write_ndjson(tmp_path / "events.ndjson", events)
    assert "5 rows: 5 accepted" in questline(demo_database, "import", str(source)).stdout
    again = questline(demo_database, "import", str(source))
    assert "5 rows: 0 accepted, 5 duplicates" in again.stdout


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_csv_line_that_is_not_utf8_stops_the_import_and_says_where(
    demo_database: str, tmp_path: Path
) -> None:
    source = tmp_path / "events.csv"
    source.write_bytes(
        b"player,type,item,properties.score\n"
        b"noa,attempt.submitted,joins,80\n"
        b"jos\xe9,attempt.submitted,joins,70\n"
    )
    refused = questline(demo_database, "import", str(source))
    assert refused.returncode == 2
    assert "line 3 of the file is not UTF-8" in refused.stderr


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_state_left_by_an_import_into_another_database_is_not_carried_on(
    demo_database: str, tmp_path: Path
) -> None:
    source = write_ndjson(tmp_path / "events.ndjson", history(10))
    other = f"sqlite:///{tmp_path / 'staging.db'}"
    state = tmp_path / "events.ndjson.import-state.json"
    assert questline(other, "migrate").returncode == 0
    assert questline(other, "demo").returncode == 0
    assert questline(other, "import", str(source)).returncode == 0
    # As if that import had stopped after its first rows.
    state.write_text(
        json.dumps(
            {
                "file": str(source.resolve()),
                "size": source.stat().st_size,
                "head": hashlib.sha256(source.read_bytes()[:65536]).hexdigest(),
                "app_id": 1,
                "database": other,
                "rows_done": 8,
                "accepted": 8,
                "duplicates": 0,
                "rejected": 0,
                "rejects_at": 0,
            }
        )
    )
    imported = questline(demo_database, "import", str(source))
    assert imported.returncode == 0, imported.stderr
    assert "carried on" not in imported.stdout
    assert "10 rows: 10 accepted" in imported.stdout
