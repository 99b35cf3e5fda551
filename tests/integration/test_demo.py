"""`questline demo`: every blueprint loads with something to look at, and a name that is
not one says which are."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from questline.api.app import create_app
from questline.seeding import blueprint_names, load_demo
from questline.storage.database import Database
from tests.integration.conftest import BLUEPRINTS, Api, make_settings
from tests.integration.web.console_client import Browser
from tests.support.migrated import migrated_sqlite

ROOT = Path(__file__).resolve().parents[2]


def questline(database_url: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUESTLINE_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "questline.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _migrated(folder: Path) -> str:
    return migrated_sqlite(folder / "questline.db")


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    # The demo processes its own events (and counts them): the server only reads.
    with TestClient(create_app(make_settings(database_url, embedded_worker="off"))) as client:
        yield Api(client)


def test_the_productivity_demo_has_a_week_of_history(database: Database, api: Api) -> None:
    loaded = load_demo(database, "productivity")
    assert loaded["items"] == 3
    assert loaded["events"] == 27
    # Mia focused at least 25 minutes on each of the last seven days, in Berlin.
    [focus] = api.get("/v1/players/mia/streaks", expect=200).json()["data"]
    assert (focus["current"], focus["today_done"]) == (7, True)
    mia = {a["id"]: a for a in api.get("/v1/players/mia/achievements", expect=200).json()["data"]}
    assert mia["focus-week"]["unlocked"]
    assert mia["task-master"]["tiers"][0]["unlocked"]  # ten tasks: bronze
    quests = {q["id"]: q for q in api.get("/v1/players/ren/quests", expect=200).json()["data"]}
    assert quests["daily-three"]["completed"]
    assert api.get("/v1/items", expect=200).json()["data"][0]["kind"] == "project"


def test_the_reputation_demo_has_a_player_in_every_tier(database: Database, api: Api) -> None:
    load_demo(database, "reputation")
    tiers = {
        player: (score["value"], score["tier"])
        for player in ("lea", "omar", "ivy")
        for score in [api.get(f"/v1/players/{player}/scores/reputation", expect=200).json()]
    }
    assert tiers == {"lea": (10, "gold"), "omar": (2, "green"), "ivy": (-1, "red")}


def test_loading_a_demo_again_adds_no_events(database: Database, api: Api) -> None:
    assert load_demo(database, "reputation")["events"] == 17
    assert load_demo(database, "reputation")["events"] == 0
    assert api.get("/v1/players/lea/scores/reputation", expect=200).json()["value"] == 10


@pytest.mark.parametrize("blueprint", blueprint_names(BLUEPRINTS))
def test_every_blueprint_publishes_and_loads_its_seed(blueprint: str, tmp_path: Path) -> None:
    url = _migrated(tmp_path)
    loaded = questline(url, "demo", "--blueprint", blueprint)
    assert loaded.returncode == 0, loaded.stderr
    assert f"demo: '{blueprint}' published as version 1" in loaded.stdout
    if (BLUEPRINTS / f"{blueprint}.seed.yaml").exists():
        assert " events processed" in loaded.stdout


def test_an_unknown_blueprint_is_one_line_naming_the_known_ones(tmp_path: Path) -> None:
    url = _migrated(tmp_path)
    refused = questline(url, "demo", "--blueprint", "chess")
    assert refused.returncode == 2
    names = ", ".join(blueprint_names(BLUEPRINTS))
    assert refused.stderr == f"there is no blueprint 'chess': choose one of {names}\n"


def test_a_blueprint_without_a_seed_is_published_and_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "blueprints"
    folder.mkdir()
    (folder / "bare.yaml").write_text("currencies: {xp: {}}\n", encoding="utf-8")
    url = _migrated(tmp_path)
    loaded = questline(url, "demo", "--blueprint", "bare", cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout == (
        "demo: 'bare' published as version 1; it has no demo data (no blueprints/bare.seed.yaml)\n"
    )


def test_the_demo_makes_a_console_user_who_can_sign_in(tmp_path: Path) -> None:
    url = _migrated(tmp_path)
    password_file = tmp_path / "console.password"
    password_file.write_text("a demo password of some length\n", encoding="utf-8")
    made = questline(url, "demo", "--if-empty", "--console-password-file", str(password_file))
    assert made.returncode == 0, made.stderr
    assert "console user designer@example.com" in made.stdout
    again = questline(url, "demo", "--if-empty", "--console-password-file", str(password_file))
    assert "console user" not in again.stdout  # made once; an existing account is left alone
    with TestClient(create_app(make_settings(url))) as client:
        page = Browser(client, "designer@example.com", "a demo password of some length")
        assert "owner" in page.get("/console/design").text


def test_the_demo_brands_the_app_and_keeps_a_brand_chosen_since(
    database: Database, api: Api
) -> None:
    load_demo(database, "reputation")
    brand = api.get("/v1/branding", expect=200).json()
    assert (brand["name"], brand["color"]) == ("Reliable", "#0369a1")
    assert brand["logo_url"] == "/play/static/demo-logo.svg"
    assert api.client.get(brand["logo_url"]).headers["content-type"] == "image/svg+xml"
    chosen = {"brand_name": "Ours", "brand_color": "#123456"}
    api.request("PUT", "/v1/apps/default/settings", json=chosen, expect=200)
    load_demo(database, "reputation")
    assert api.get("/v1/branding", expect=200).json()["name"] == "Ours"
