"""`questline apps` and `questline keys`, run as an operator runs them."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from questline.api.app import create_app
from questline.storage.apps import get_app
from questline.storage.audit import audit_page
from questline.storage.database import Database
from tests.integration.conftest import make_settings
from tests.integration.test_cli import questline
from tests.support.processes import wait_for


def test_an_operator_creates_an_app_and_a_key_for_it_then_revokes_it(database_url: str) -> None:
    assert questline(database_url, "migrate").returncode == 0
    created = questline(database_url, "apps", "create", "fitness", "--name", "Fitness")
    assert created.returncode == 0, created.stderr
    again = questline(database_url, "apps", "create", "fitness")
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert questline(database_url, "apps", "create", "Bad Name").returncode == 2
    assert "fitness\tFitness" in questline(database_url, "apps", "list").stdout

    made = questline(
        database_url,
        "keys",
        "create",
        "--app",
        "fitness",
        "--scope",
        "players:read",
        "--scope",
        "events:write",
        "--name",
        "backend",
    )
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    listed = questline(database_url, "keys", "list", "--app", "fitness").stdout
    assert "backend" in listed
    assert "events:write,players:read" in listed
    assert secret not in listed
    key_id = listed.split("\t", 1)[0]

    # A running server remembers a key for key_cache_seconds; a revocation made by another
    # process (here the command line) reaches it when that time is up. Three servers on
    # the database tell "refused at once" from "remembered until the cache lets go".
    headers = {"Authorization": f"Bearer {secret}"}
    with (
        TestClient(create_app(make_settings(database_url, key_cache_seconds=0))) as uncached,
        TestClient(create_app(make_settings(database_url, key_cache_seconds=300))) as cached,
        TestClient(create_app(make_settings(database_url, key_cache_seconds=1))) as brief,
    ):
        apps = uncached.get("/v1/apps", headers=headers).json()["data"]
        assert [app["id"] for app in apps] == ["fitness"]
        assert uncached.get("/v1/keys", headers=headers).status_code == 403
        for client in (uncached, cached, brief):
            assert client.get("/v1/players/nobody", headers=headers).status_code == 404
        revoked = questline(database_url, "keys", "revoke", key_id, "--app", "fitness")
        assert revoked.returncode == 0, revoked.stderr
        # Looked up on every request: refused from the first one on.
        assert uncached.get("/v1/players/nobody", headers=headers).status_code == 401
        # Remembered for five minutes: still served (the revocation is not seen yet) ...
        assert cached.get("/v1/players/nobody", headers=headers).status_code == 404
        # ... and refused once the cache has let go of it (here after a second).
        wait_for(
            lambda: brief.get("/v1/players/nobody", headers=headers).status_code == 401,
            timeout=30,
            what="the revoked key to be refused once the key cache let go of it",
        )
    assert questline(database_url, "keys", "revoke", "999", "--app", "fitness").returncode == 1
    assert questline(database_url, "keys", "list", "--app", "nope").returncode == 1


def test_an_operator_creates_the_first_console_owner(database_url: str) -> None:
    assert questline(database_url, "migrate").returncode == 0
    import subprocess
    import sys

    from tests.integration.test_cli import ROOT

    def users(*args: str, password: str) -> subprocess.CompletedProcess[str]:
        import os

        return subprocess.run(
            [sys.executable, "-m", "questline.cli", "users", "create", *args, "--password-stdin"],
            env={**os.environ, "QUESTLINE_DATABASE_URL": database_url},
            cwd=ROOT,
            input=password + "\n",
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert users("ada@example.com", "--role", "owner", password="short").returncode == 2
    elsewhere = users("ada@example.com", "--role", "owner", "--app", "nope", password="x" * 12)
    assert elsewhere.returncode == 1
    assert "apps create nope" in elsewhere.stderr
    made = users("ada@example.com", "--role", "owner", password="a long enough password")
    assert made.returncode == 0, made.stderr
    with TestClient(create_app(make_settings(database_url))) as client:
        signed_in = client.post(
            "/v1/auth/login",
            json={"email": "ada@example.com", "password": "a long enough password"},
        )
        assert signed_in.status_code == 200
        assert signed_in.json()["role"] == "owner"


def test_a_piped_password_needs_password_stdin(database_url: str) -> None:
    """A prompt reading a pipe would echo a GetPassWarning: say what to do instead."""
    import os
    import subprocess
    import sys

    from tests.integration.test_cli import ROOT

    piped = subprocess.run(
        [
            sys.executable,
            "-m",
            "questline.cli",
            "users",
            "create",
            "ada@example.com",
            "--role",
            "owner",
        ],
        env={**os.environ, "QUESTLINE_DATABASE_URL": database_url},
        cwd=ROOT,
        input="a long enough password\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 2
    assert piped.stderr == (
        "standard input is not a terminal: to pipe the password, add --password-stdin\n"
    )


def test_an_operator_recovers_an_app_whose_limits_shut_it_out(database_url: str) -> None:
    """Offline, against the database: the way back for an app that cannot reach its API."""
    assert questline(database_url, "migrate").returncode == 0
    assert questline(database_url, "apps", "create", "fitness").returncode == 0
    database = Database(database_url)
    try:
        with database.transaction() as session:
            app = get_app(session, "fitness")
            assert app is not None
            # As a server before the limit floor could store it.
            app.settings = {"rate_limit_per_key": "0/minute", "cors_origins": ["https://a.io"]}
    finally:
        database.dispose()

    shown = questline(database_url, "apps", "settings", "fitness")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["rate_limit_per_key"] == "0/minute"

    refused = questline(
        database_url, "apps", "settings", "fitness", "--set", "rate_limit_per_key=1/hour"
    )
    assert refused.returncode == 2
    assert "rate_limit_per_key" in refused.stderr
    assert "10/minute" in refused.stderr

    changed = questline(
        database_url,
        "apps",
        "settings",
        "fitness",
        "--set",
        "rate_limit_per_player=60/minute",
        "--set",
        'player_event_types=["workout.logged"]',
        "--unset",
        "rate_limit_per_key",
    )
    assert changed.returncode == 0, changed.stderr
    settings = json.loads(changed.stdout)
    assert settings == {
        "player_event_types": ["workout.logged"],
        "rate_limit_per_key": None,
        "rate_limit_per_player": "60/minute",
        "cors_origins": ["https://a.io"],
        "time_zone": "UTC",
        "brand_name": None,
        "brand_color": None,
        "brand_logo_url": None,
    }
    assert json.loads(questline(database_url, "apps", "settings", "fitness").stdout) == settings
    assert questline(database_url, "apps", "settings", "nope").returncode == 1
    unknown = questline(database_url, "apps", "settings", "fitness", "--set", "colour=red")
    assert unknown.returncode == 2
    assert "colour" in unknown.stderr

    database = Database(database_url)
    try:
        with database.reader() as session:
            app = get_app(session, "fitness")
            assert app is not None
            entries = audit_page(session, app.id, before_id=None, action="app.settings")
            recorded = [(e.actor, e.before, e.after) for e in entries]
    finally:
        database.dispose()
    assert len(recorded) == 1
    actor, before, after = recorded[0]
    assert actor == "cli"
    assert before is not None
    assert before["rate_limit_per_key"] == "0/minute"
    assert after == settings
