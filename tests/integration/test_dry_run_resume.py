"""A dry run whose server stopped before it finished is run again by the next server,
instead of staying `running` (or `pending`) for ever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from questline.api.app import create_app
from questline.processing.dry_runs import STALE, run_dry_run
from questline.processing.periodic import JobContext, resume_dry_runs
from questline.storage.database import Database
from questline.storage.models import DryRun
from tests.integration.conftest import Api, make_settings
from tests.integration.test_dry_runs import current_design, history
from tests.support.processes import wait_for


class _Stopped(BaseException):
    """The server going away under a run: nothing the run catches."""


class _Held:
    """A server that stops before the run's thread begins: the run stays pending."""

    def start(self, run_id: int) -> None:
        pass

    def wait(self, timeout: float = 30) -> None:
        pass


def _silent_for_a_while(database_url: str, run_id: int) -> None:
    """As if the server came back some minutes after it stopped."""
    database = Database(database_url)
    earlier = datetime.now(UTC) - STALE - timedelta(seconds=5)
    with database.transaction() as session:
        session.execute(
            update(DryRun).where(DryRun.id == run_id).values(created_at=earlier, alive_at=earlier)
        )
    database.dispose()


def _first_server(database_url: str, *, stop_midway: bool) -> tuple[int, dict[str, Any]]:
    """Start a dry run of the current design on a server that stops before it finishes;
    the run's id, and what it shows as the server stops."""
    with TestClient(create_app(make_settings(database_url))) as client:
        api = Api(client)
        history(api)
        context = client.app.state.questline  # type: ignore[attr-defined]
        context.dry_runs = _Held()
        run_id = api.post(
            "/v1/config/dry-runs", json={"design": current_design(api)}, expect=202
        ).json()["id"]
        if stop_midway:

            def stop_after_two(players_done: int) -> None:
                if players_done == 2:
                    raise _Stopped

            with pytest.raises(_Stopped):
                run_dry_run(
                    context.database,
                    context.designs,
                    run_id,
                    chunk=1,
                    after_chunk=stop_after_two,
                )
        left = api.get(f"/v1/config/dry-runs/{run_id}", expect=200).json()
    return run_id, left


@pytest.mark.parametrize("stop_midway", [True, False], ids=["running", "pending"])
def test_a_dry_run_cut_short_by_a_restart_finishes_on_the_next_server(
    database_url: str, stop_midway: bool
) -> None:
    run_id, left = _first_server(database_url, stop_midway=stop_midway)
    if stop_midway:
        assert (left["status"], left["players_done"], left["players_total"]) == ("running", 2, 4)
        assert left["report"]["players"] == 2
    else:
        assert (left["status"], left["report"]) == ("pending", None)
    _silent_for_a_while(database_url, run_id)

    # The next server runs its periodic jobs as the embedded default does.
    settings = make_settings(database_url, embedded_jobs=True)
    with TestClient(create_app(settings)) as client:
        api = Api(client)

        def run() -> dict[str, Any]:
            return dict(api.get(f"/v1/config/dry-runs/{run_id}", expect=200).json())

        wait_for(lambda: run()["status"] == "finished", timeout=60, what="the resumed dry run")
        done = run()
    # Started over: every player replayed once, and the current design reproduces all.
    assert (done["players_done"], done["players_total"]) == (4, 4)
    report = done["report"]
    assert (report["players"], report["players_differing"], report["failed_events"]) == (4, 0, 1)


def test_a_dry_run_still_alive_is_left_to_its_runner(api: Api) -> None:
    history(api)
    context = api.client.app.state.questline  # type: ignore[attr-defined]
    context.dry_runs = _Held()
    api.post("/v1/config/dry-runs", json={"design": current_design(api)}, expect=202)
    job = JobContext(context.settings, context.database, context.worker, dry_runs=_Held())
    assert resume_dry_runs(job) == []  # asked for a moment ago
    later = datetime.now(UTC) + STALE + timedelta(seconds=1)
    [run_id] = resume_dry_runs(job, later)
    assert resume_dry_runs(job, later) == []  # claimed: another scheduler takes nothing
    claimed = api.get(f"/v1/config/dry-runs/{run_id}", expect=200).json()
    assert claimed["status"] == "pending"  # started by the runner it was handed to
