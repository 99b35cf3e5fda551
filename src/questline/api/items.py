"""/v1/items: the catalog events refer to (exercises, challenges, lessons)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.exc import IntegrityError

from questline.api.event_schemas import Scalar
from questline.api.http.deps import ConfigWriter, CurrentKey, ReadSessionDep, SessionDep
from questline.api.http.paging import Cursor, Limit, cursor_after, decode_cursor
from questline.api.http.problems import problems
from questline.api.http.sessions import SessionRoute
from questline.api.inputs import Identifier
from questline.errors import Conflict, NotFound
from questline.storage import audit
from questline.storage.items import get_item, list_items
from questline.storage.models import Item
from questline.storage.pages import split_page

router = APIRouter(prefix="/v1/items", tags=["items"], route_class=SessionRoute)

Kind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
AttributeName = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]{0,62}$")]
Locale = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")]


class ItemIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "key": "squat",
                    "kind": "exercise",
                    "names": {"en": "Squat", "he": "סקוואט"},
                    "attributes": {"base_points": 10, "points_per_rep": 1},
                }
            ]
        },
    )

    key: Identifier
    kind: Kind
    attributes: dict[AttributeName, Scalar] = Field(
        default_factory=dict, description="values rules read as item.<name>"
    )
    names: dict[Locale, Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=dict
    )
    active: bool = Field(default=True, strict=True)


class ItemPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind | None = None
    attributes: dict[AttributeName, Scalar] | None = None
    names: dict[Locale, Annotated[str, StringConstraints(max_length=200)]] | None = None
    active: bool | None = Field(default=None, strict=True)


class ItemOut(BaseModel):
    key: str
    kind: str
    attributes: dict[str, Any]
    names: dict[str, str]
    active: bool
    created_at: datetime
    updated_at: datetime


class ItemList(BaseModel):
    data: list[ItemOut]
    next_cursor: str | None


def item_out(item: Item) -> ItemOut:
    return ItemOut(
        key=item.key,
        kind=item.kind,
        attributes=item.attributes,
        names=item.names,
        active=item.active,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _audited(item: ItemOut) -> dict[str, Any]:
    return item.model_dump(mode="json", include={"kind", "attributes", "names", "active"})


def _found(session: SessionDep | ReadSessionDep, app_id: int, key: str) -> Item:
    item = get_item(session, app_id, key)
    if item is None:
        raise NotFound(f"no item with key '{key}'")
    return item


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add an item to the catalog",
    responses=problems(409),
)
def create_item(body: ItemIn, principal: ConfigWriter, session: SessionDep) -> ItemOut:
    if get_item(session, principal.app_id, body.key, include_deleted=True) is not None:
        raise Conflict(f"an item with key '{body.key}' already exists (keys are never reused)")
    now = datetime.now(UTC)
    item = Item(
        app_id=principal.app_id,
        key=body.key,
        kind=body.kind,
        attributes=body.attributes,
        names=body.names,
        active=body.active,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"an item with key '{body.key}' already exists") from None
    out = item_out(item)
    audit.record(session, principal, "item.create", "item", item.key, after=_audited(out))
    return out


@router.get("", summary="List catalog items")
def get_items(
    principal: CurrentKey,
    session: ReadSessionDep,
    kind: str | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ItemList:
    rows = list_items(
        session, principal.app_id, kind=kind, after_id=decode_cursor(cursor), limit=limit + 1
    )
    shown, last = split_page(rows, limit, _item_id)
    return ItemList(data=[item_out(row) for row in shown], next_cursor=cursor_after(last))


def _item_id(item: Item) -> int:
    return item.id


@router.get("/{key}", summary="One catalog item")
def read_item(key: str, principal: CurrentKey, session: ReadSessionDep) -> ItemOut:
    return item_out(_found(session, principal.app_id, key))


@router.patch("/{key}", summary="Change an item; omitted fields keep their value")
def update_item(key: str, body: ItemPatch, principal: ConfigWriter, session: SessionDep) -> ItemOut:
    item = _found(session, principal.app_id, key)
    before = _audited(item_out(item))
    for name, value in body.model_dump(exclude_unset=True).items():
        if value is None:
            continue
        setattr(item, name, value)
    item.updated_at = datetime.now(UTC)
    session.flush()
    out = item_out(item)
    audit.record(
        session, principal, "item.update", "item", item.key, before=before, after=_audited(out)
    )
    return out


@router.delete(
    "/{key}", status_code=status.HTTP_204_NO_CONTENT, summary="Retire an item (soft delete)"
)
def delete_item(key: str, principal: ConfigWriter, session: SessionDep) -> Response:
    item = _found(session, principal.app_id, key)
    audit.record(
        session, principal, "item.delete", "item", item.key, before=_audited(item_out(item))
    )
    now = datetime.now(UTC)
    item.deleted_at = now
    item.active = False
    item.updated_at = now
    return Response(status_code=status.HTTP_204_NO_CONTENT)
