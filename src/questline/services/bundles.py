"""Bundles: an app's game design and item catalog as one document, to move them between
servers (staging to production). Exported from one database, compared with another
(what applying it would change: the design's structured diff, items added, changed and
retired), and applied there; applying a bundle that is already in place changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StrictBool, StringConstraints, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from questline.engine.design_diff import DesignDiff, diff_designs
from questline.errors import InvalidInput
from questline.services.designs import check_document
from questline.storage import audit, configs
from questline.storage.models import Item

FORMAT = 1
_FIELDS = ("kind", "attributes", "names", "active")

Scalar = str | int | float | bool | None


class BundleItem(BaseModel):
    """One catalog item, as `POST /v1/items` takes it."""

    model_config = ConfigDict(extra="forbid")

    key: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\s/]+$")]
    kind: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
    attributes: dict[Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]{0,62}$")], Scalar]
    names: dict[str, Annotated[str, StringConstraints(max_length=200)]] = {}
    active: StrictBool = True


class Bundle(BaseModel):
    model_config = ConfigDict(extra="forbid")

    questline_bundle: int
    app: str | None = None
    design: dict[str, Any] | None
    items: list[BundleItem] = []


def is_bundle(document: Any) -> bool:
    return isinstance(document, dict) and "questline_bundle" in document


def export_bundle(session: Session, app_id: int, slug: str) -> dict[str, Any]:
    """The app's current design (null if none is published) and its catalog (retired
    items left out), items by key."""
    current = configs.current(session, app_id)
    items = session.scalars(
        select(Item).where(Item.app_id == app_id, Item.deleted_at.is_(None)).order_by(Item.key)
    )
    return {
        "questline_bundle": FORMAT,
        "app": slug,
        "design": current.document if current is not None else None,
        "items": [
            {"key": item.key} | {name: getattr(item, name) for name in _FIELDS} for item in items
        ],
    }


@dataclass(frozen=True, slots=True)
class ItemChange:
    key: str
    change: str  # added, changed, removed
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def describe(self) -> str:
        if self.change == "added":
            return f"items '{self.key}' added ({self.after['kind'] if self.after else ''})"
        if self.change == "removed":
            return f"items '{self.key}' retired"
        assert self.before is not None
        assert self.after is not None
        changed = [name for name in _FIELDS if self.before[name] != self.after[name]]
        return "; ".join(
            f"items '{self.key}': {name} changed from {self.before[name]!r} to {self.after[name]!r}"
            for name in changed
        )


@dataclass(slots=True)
class BundlePlan:
    """What applying a bundle would do on this database."""

    bundle: Bundle
    current_version: int | None
    design: DesignDiff | None  # None: the design is unchanged (or the bundle has none)
    items: list[ItemChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.design is None and not self.items

    def describe(self) -> list[str]:
        lines = [change.describe() for change in self.design.changes] if self.design else []
        return lines + [change.describe() for change in self.items]


def read_bundle(document: dict[str, Any]) -> Bundle:
    """The bundle, or InvalidInput saying what is wrong and where."""
    try:
        bundle = Bundle.model_validate(document)
    except ValidationError as error:
        raise InvalidInput(
            "the bundle is not valid",
            errors=[
                {"loc": list(problem["loc"]), "message": problem["msg"]}
                for problem in error.errors()
            ],
        ) from None
    if bundle.questline_bundle != FORMAT:
        raise InvalidInput(f"this server reads bundles of format {FORMAT}")
    if bundle.design is not None:
        check_document(bundle.design, at=("design",))
    keys = [item.key for item in bundle.items]
    if len(set(keys)) != len(keys):
        raise InvalidInput("an item key appears twice in the bundle")
    return bundle


def plan_bundle(session: Session, app_id: int, bundle: Bundle) -> BundlePlan:
    current = configs.current(session, app_id)
    design = None
    if bundle.design is not None and (
        current is None or _canonical(current.document) != _canonical(bundle.design)
    ):
        before = current.document if current is not None else {}
        before_name = f"version {current.version}" if current is not None else "nothing"
        design = diff_designs(before, bundle.design, before_name=before_name, after_name="bundle")
    held = {item.key: item for item in session.scalars(select(Item).where(Item.app_id == app_id))}
    changes = []
    wanted = {item.key: item for item in bundle.items}
    for key, item in sorted(wanted.items()):
        after = item.model_dump(include=set(_FIELDS))
        found = held.get(key)
        if found is None:
            changes.append(ItemChange(key, "added", None, after))
        elif found.deleted_at is not None:
            raise InvalidInput(
                f"item '{key}' was retired on this server, and item keys are never reused",
                errors=[{"loc": ["items", key], "message": "retired here"}],
            )
        else:
            before = {name: getattr(found, name) for name in _FIELDS}
            if _canonical(before) != _canonical(after):
                changes.append(ItemChange(key, "changed", before, after))
    for key, found in sorted(held.items()):
        if key not in wanted and found.deleted_at is None:
            before = {name: getattr(found, name) for name in _FIELDS}
            changes.append(ItemChange(key, "removed", before, None))
    return BundlePlan(bundle, current.version if current else None, design, changes)


def apply_plan(
    session: Session, app_id: int, plan: BundlePlan, *, by: str, comment: str
) -> int | None:
    """Publish the bundle's design if it differs, and bring the catalog to the bundle's
    (adding, changing, retiring items), each change audited. Returns the version
    published, or None when the design was already in place."""
    now = datetime.now(UTC)
    version = None
    if plan.design is not None and plan.bundle.design is not None:
        row = configs.publish(
            session, app_id, plan.bundle.design, source=None, comment=comment, created_by=by
        )
        audit.record(
            session,
            by,
            "config.publish",
            "config",
            row.version,
            after={"version": row.version, "comment": comment, "document": row.document},
            app_id=app_id,
        )
        version = row.version
    for change in plan.items:
        if change.change == "added":
            assert change.after is not None
            session.add(
                Item(app_id=app_id, key=change.key, created_at=now, updated_at=now, **change.after)
            )
            audit.record(
                session, by, "item.create", "item", change.key, after=change.after, app_id=app_id
            )
            continue
        item = session.scalar(select(Item).where(Item.app_id == app_id, Item.key == change.key))
        assert item is not None
        if change.change == "removed":
            item.deleted_at, item.active, item.updated_at = now, False, now
            audit.record(
                session, by, "item.delete", "item", change.key, before=change.before, app_id=app_id
            )
            continue
        assert change.after is not None
        for name, value in change.after.items():
            setattr(item, name, value)
        item.updated_at = now
        audit.record(
            session,
            by,
            "item.update",
            "item",
            change.key,
            before=change.before,
            after=change.after,
            app_id=app_id,
        )
    session.flush()
    return version


def _canonical(value: Any) -> str:
    # Key order is not meaning (JSONB reorders keys); `true` is not `1`, `1` not `1.0`.
    return json.dumps(value, sort_keys=True)
