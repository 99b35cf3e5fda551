"""Load a blueprint (design + seed catalog and activity) into an app: the demo."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from questline.engine.compiler import compile_design
from questline.processing.designs import DesignCache
from questline.processing.ingest import NewEvent, Profile, ingest
from questline.processing.worker import Worker
from questline.storage import configs
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from questline.storage.models import Event, Item
from questline.yamlfile import load_yaml


def blueprints_dir() -> Path:
    for candidate in (
        Path.cwd() / "blueprints",
        Path(__file__).resolve().parents[2] / "blueprints",
    ):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("no blueprints/ directory found next to the project")


def publish_file(database: Database, app_slug: str, path: Path, comment: str | None = None) -> int:
    source = path.read_text(encoding="utf-8")
    document = load_yaml(source)
    compile_design(document)  # raises DesignError with every problem found
    with database.transaction() as session:
        app = ensure_app(session, app_slug)
        row = configs.publish(
            session,
            app.id,
            document,
            source=source,
            comment=comment or f"applied {path.name}",
            created_by="cli",
        )
        return row.version


def is_empty(database: Database) -> bool:
    with database.reader() as session:
        return not session.scalar(select(func.count()).select_from(Event))


def load_demo(database: Database, blueprint: str, app_slug: str = "default") -> dict[str, Any]:
    folder = blueprints_dir()
    version = publish_file(database, app_slug, folder / f"{blueprint}.yaml", f"demo: {blueprint}")
    seed = load_yaml((folder / f"{blueprint}.seed.yaml").read_text(encoding="utf-8"))
    now = datetime.now(UTC)
    with database.transaction() as session:
        app = ensure_app(session, app_slug)
        for entry in seed.get("items", []):
            if (
                session.scalar(select(Item).where(Item.app_id == app.id, Item.key == entry["key"]))
                is None
            ):
                session.add(
                    Item(
                        app_id=app.id,
                        key=entry["key"],
                        kind=entry["kind"],
                        attributes=entry.get("attributes", {}),
                        names=entry.get("names", {}),
                        active=True,
                        created_at=now,
                        updated_at=now,
                    )
                )
        session.flush()
        profiles = {
            p["id"]: Profile(p.get("name"), p.get("time_zone"), p.get("locale"))
            for p in seed.get("players", [])
        }
        events = [
            NewEvent(
                type=e["type"],
                player=e["player"],
                item=e.get("item"),
                properties=e.get("properties", {}),
                profile=profiles.get(e["player"]),
            )
            for e in seed.get("events", [])
        ]
        ingest(session, app.id, events, now)
    processed = Worker(database, DesignCache()).drain()
    return {"config_version": version, "items": len(seed.get("items", [])), "events": processed}
