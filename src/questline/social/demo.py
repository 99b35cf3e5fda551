"""The social part of a blueprint's demo: its players follow each other and cheer what
they see in their feeds, through the same use cases the API calls. Run it after the
events are processed, so the feeds have entries to cheer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from questline.social import service
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from questline.yamlfile import load_yaml


def load_social_demo(
    database: Database, folder: Path, blueprint: str, app_slug: str = "default"
) -> dict[str, int] | None:
    """Load the `social` part of the blueprint's seed (`follows`: player -> players they
    follow; `cheers`: how many of the newest entries of their feed each player cheers);
    None if the seed has none."""
    seed = load_yaml((folder / f"{blueprint}.seed.yaml").read_text(encoding="utf-8"))
    plan: dict[str, Any] | None = seed.get("social") if isinstance(seed, dict) else None
    if not plan:
        return None
    follows = cheers = 0
    with database.transaction() as session:
        app_id = ensure_app(session, app_slug).id
        for player, others in plan.get("follows", {}).items():
            for other in others:
                follows += service.follow(session, app_id, player, other)
        design = None  # the words do not matter here: only which entries there are
        for player in plan.get("follows", {}):
            page = service.feed(
                session,
                app_id,
                design,
                player,
                before=None,
                limit=int(plan.get("cheers", 0)),
                locale=None,
            )
            for entry in page.entries:
                cheers += service.cheer(session, app_id, player, entry.id, None)[1]
    return {"follows": follows, "cheers": cheers}
