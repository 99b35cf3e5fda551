"""Load a blueprint (design + seed catalog and activity) into an app: the demo."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from questline.auth.passwords import hash_password
from questline.auth.policy import Role
from questline.engine.compiler import compile_design
from questline.processing.designs import DesignCache
from questline.processing.ingest import NewEvent, Profile, ingest
from questline.processing.worker import Worker
from questline.storage import configs
from questline.storage.apps import brand_if_unbranded, ensure_app
from questline.storage.database import Database
from questline.storage.models import Event, Item
from questline.storage.users import create_user, find_user, set_role
from questline.yamlfile import load_yaml


def blueprints_dir() -> Path:
    """A `blueprints/` folder in the current directory, else the ones Questline ships
    (in the installed package; the repository's `blueprints/` links to them)."""
    here = Path.cwd() / "blueprints"
    return here if here.is_dir() else Path(__file__).parent / "blueprints"


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


class UnknownBlueprint(LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"there is no blueprint '{name}': choose one of {', '.join(known)}")
        self.known = known


def blueprint_names(folder: Path | None = None) -> list[str]:
    """The blueprints one can load: ``NAME.yaml`` files (not ``NAME.seed.yaml`` and the
    like, which belong to one)."""
    folder = folder or blueprints_dir()
    return sorted(path.stem for path in folder.glob("*.yaml") if "." not in path.stem)


def load_demo(
    database: Database,
    blueprint: str,
    app_slug: str = "default",
    extend: Callable[[Worker], None] | None = None,
) -> dict[str, Any]:
    """Publish the blueprint and load its seed (``NAME.seed.yaml``: items, players and
    events, some dated in the past) if it has one. Events carry keys derived from the
    blueprint, so loading the same demo again adds nothing. The worker that processes
    them gets the modules' projections from `extend` (so players get notifications)."""
    folder = blueprints_dir()
    known = blueprint_names(folder)
    if blueprint not in known:
        raise UnknownBlueprint(blueprint, known)
    version = publish_file(database, app_slug, folder / f"{blueprint}.yaml", f"demo: {blueprint}")
    seed_file = folder / f"{blueprint}.seed.yaml"
    if not seed_file.is_file():
        return {"config_version": version, "seed": False, "items": 0, "events": 0}
    seed = load_yaml(seed_file.read_text(encoding="utf-8"))
    now = datetime.now(UTC)
    with database.transaction() as session:
        app = ensure_app(session, app_slug)
        if seed.get("branding"):
            brand_if_unbranded(session, app, seed["branding"], "demo")
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
                key=f"demo-{blueprint}-{index}",
                occurred_at=_occurred_at(e, profiles.get(e["player"]), now),
                item=e.get("item"),
                properties=e.get("properties", {}),
                profile=profiles.get(e["player"]),
            )
            for index, e in enumerate(seed.get("events", []))
        ]
        events += history_events(seed.get("history"), blueprint, now)
        # A player's events are processed in the order they were appended: oldest first.
        events.sort(key=lambda event: event.occurred_at or now)
        ingest(session, app.id, events, now)
    worker = Worker(database, DesignCache())
    if extend is not None:
        extend(worker)
    processed = worker.drain()
    return {
        "config_version": version,
        "seed": True,
        "items": len(seed.get("items", [])),
        "events": processed,
    }


def history_events(spec: dict[str, Any] | None, blueprint: str, now: datetime) -> list[NewEvent]:
    """Weeks of back-dated activity by generated players (a seed's `history`), so the
    analytics charts have something to say. Deterministic for a given day: each player
    starts on a random day and comes back on later days with a chance that fades."""
    if not spec:
        return []
    rng = random.Random(int(spec.get("seed", 1)))
    days = int(spec.get("weeks", 8)) * 7
    kinds: list[dict[str, Any]] = spec["events"]
    found: list[NewEvent] = []
    for number in range(1, int(spec.get("players", 24)) + 1):
        player = f"learner-{number:02d}"
        profile = Profile(f"Learner {number}", "UTC", None)
        first = rng.randrange(days)  # days ago
        keen = rng.uniform(0.2, 0.85)
        for days_ago in range(first, -1, -1):
            if days_ago != first and rng.random() > keen * 0.97 ** (first - days_ago):
                continue
            for _ in range(rng.randint(1, 3)):
                kind = rng.choice(kinds)
                at = datetime.combine(
                    now.date() - timedelta(days=days_ago), time(rng.randint(6, 22)), tzinfo=UTC
                )
                found.append(
                    NewEvent(
                        type=kind["type"],
                        player=player,
                        key=f"demo-{blueprint}-history-{len(found)}",
                        occurred_at=min(at, now),
                        item=rng.choice(kind["item"]) if "item" in kind else None,
                        properties={
                            name: rng.randint(*value) if isinstance(value, list) else value
                            for name, value in kind.get("properties", {}).items()
                        },
                        profile=profile,
                    )
                )
    return found


def _occurred_at(entry: dict[str, Any], profile: Profile | None, now: datetime) -> datetime:
    """When a seed event happened: ``days_ago`` local days before today in its player's
    time zone, at ``at`` (local ``HH:MM``; default noon, or now for today) — never later
    than now."""
    days_ago = int(entry.get("days_ago", 0))
    if days_ago == 0 and "at" not in entry:
        return now
    zone = ZoneInfo(profile.time_zone if profile and profile.time_zone else "UTC")
    day = now.astimezone(zone).date() - timedelta(days=days_ago)
    hour, minute = (int(part) for part in str(entry.get("at", "12:00")).split(":"))
    return min(now, datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC))


DEMO_CONSOLE_USER = "designer@example.com"


def ensure_demo_console_user(database: Database, password: str, app_slug: str = "default") -> bool:
    """The demo's console user, owner of the app, signing in with `password`; created
    only if absent (an existing account keeps its password). True when created."""
    with database.transaction() as session:
        if find_user(session, DEMO_CONSOLE_USER) is not None:
            return False
        user = create_user(session, DEMO_CONSOLE_USER, hash_password(password))
        set_role(session, user, ensure_app(session, app_slug).id, Role.OWNER)
    return True
