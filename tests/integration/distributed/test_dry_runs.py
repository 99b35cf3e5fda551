"""Dry runs in distributed mode: one whose worker died in the middle is run again on
another worker once the scheduler finds it silent, instead of staying `running`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from questline.processing.distributed import PERIODIC_TASK, QUEUE, create_celery
from questline.processing.dry_runs import STALE
from questline.settings import Settings
from questline.storage.database import Database
from questline.storage.models import DryRun
from questline.yamlfile import load_yaml
from tests.integration.conftest import Api
from tests.integration.distributed.conftest import DESIGN
from tests.support.processes import QuestlineProcess, wait_for

pytestmark = pytest.mark.postgres


def test_a_dry_run_whose_worker_died_is_run_again_by_another(
    api: Api, distributed: Settings, database: Database, workers: Callable[..., QuestlineProcess]
) -> None:
    first = workers("a")
    for n, player in enumerate(("ada", "bo", "ada")):
        event = {"id": f"e{n}", "type": "did", "player": player, "properties": {"n": 60}}
        api.post("/v1/events", json=event, expect=202)
    wait_for(
        lambda: [api.player(p)["currencies"]["xp"]["balance"] for p in ("ada", "bo")] == [120, 60],
        timeout=30,
        what="the events",
    )
    first.kill()
    draft = load_yaml(DESIGN)  # the live design (the fixture published it), doubled
    draft["rules"][0]["award"]["xp"] = "2 * event.n"
    run_id = api.post("/v1/config/dry-runs", json={"design": draft}, expect=202).json()["id"]
    # As a worker that took the task and died leaves it: running, silent, task gone.
    celery = create_celery(distributed)
    celery.control.purge()
    silent = datetime.now(UTC) - STALE - timedelta(seconds=5)
    with database.transaction() as session:
        session.execute(
            update(DryRun)
            .where(DryRun.id == run_id)
            .values(status="running", attempt=1, players_done=1, alive_at=silent)
        )
    celery.send_task(PERIODIC_TASK, args=["dry-run-resume"], queue=QUEUE)  # as beat does
    celery.close()
    second = workers("b")
    wait_for(
        lambda: api.get(f"/v1/config/dry-runs/{run_id}", expect=200).json()["status"] == "finished",
        timeout=60,
        what="the resumed dry run on a worker",
        log=second,
    )
    done = api.get(f"/v1/config/dry-runs/{run_id}", expect=200).json()
    assert (done["players_done"], done["players_total"]) == (2, 2)
    assert done["report"]["currencies"]["xp"]["change"] == 180  # every award doubled
