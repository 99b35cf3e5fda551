"""The catalog as files: every item to CSV or JSON, and an uploaded file back to the
items `POST /v1/items` takes, each checked as that route checks its body."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from questline.api.items import ItemIn, ItemOut, item_out
from questline.errors import InvalidInput
from questline.storage.items import list_items

PAGE = 500
NAME = "name:"  # a CSV column per locale: name:en, name:he
ATTRIBUTE = "attr:"  # and per attribute: attr:base_points


def all_items(session: Session, app_id: int) -> Iterator[ItemOut]:
    """Every item of the catalog, oldest first, read a page at a time."""
    after: int | None = None
    while True:
        rows = list_items(session, app_id, kind=None, after_id=after, limit=PAGE)
        yield from (item_out(row) for row in rows)
        if len(rows) < PAGE:
            return
        after = rows[-1].id


def _body(item: ItemOut) -> dict[str, Any]:
    return item.model_dump(mode="json", include={"key", "kind", "attributes", "names", "active"})


def to_json(items: list[ItemOut]) -> str:
    """A list of `POST /v1/items` bodies: imported again, they make the same items."""
    return json.dumps([_body(item) for item in items], ensure_ascii=False, indent=2)


def to_csv(items: list[ItemOut]) -> str:
    names = sorted({locale for item in items for locale in item.names})
    attributes = sorted({name for item in items for name in item.attributes})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["key", "kind", "active", *(NAME + n for n in names), *(ATTRIBUTE + a for a in attributes)]
    )
    for item in items:
        writer.writerow(
            [
                item.key,
                item.kind,
                "true" if item.active else "false",
                *(item.names.get(n, "") for n in names),
                *(_cell(item.attributes.get(a)) for a in attributes),
            ]
        )
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _value(cell: str) -> Any:
    """A CSV cell as an attribute: a number or true/false when it reads as one, else text."""
    try:
        value = json.loads(cell)
    except ValueError:
        return cell
    return value if isinstance(value, bool | int | float) else cell


def parse(filename: str, content: bytes) -> list[ItemIn]:
    """The items of an uploaded `.json` or `.csv` file, every one valid, or a 422 that names
    each wrong row and field."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text") from None
    if filename.lower().endswith(".csv"):
        bodies = _csv_bodies(text)
    else:
        try:
            loaded = json.loads(text)
        except ValueError as error:
            raise InvalidInput(f"the file is not JSON: {error}") from None
        loaded = loaded.get("data") if isinstance(loaded, dict) else loaded
        if not isinstance(loaded, list):
            raise InvalidInput("the JSON file must hold a list of items")
        bodies = loaded
    items: list[ItemIn] = []
    errors: list[dict[str, Any]] = []
    for row, body in enumerate(bodies, start=1):
        try:
            items.append(ItemIn.model_validate(body))
        except ValidationError as error:
            errors.extend(
                {"loc": ["file", row, *e["loc"]], "message": e["msg"]} for e in error.errors()
            )
    if errors:
        first = errors[0]
        where = ".".join(str(part) for part in first["loc"][2:])
        raise InvalidInput(
            f"item {first['loc'][1]} of the file is not valid: {where}: {first['message']}"
            f" ({len(errors)} problem(s)); nothing was imported",
            errors=errors,
        )
    if not items:
        raise InvalidInput("the file holds no items")
    return items


def _csv_bodies(text: str) -> list[dict[str, Any]]:
    bodies = []
    for line in csv.DictReader(io.StringIO(text)):
        body: dict[str, Any] = {"names": {}, "attributes": {}}
        for column, cell in line.items():
            if column is None or cell is None or cell == "":
                continue
            if column.startswith(NAME):
                body["names"][column[len(NAME) :]] = cell
            elif column.startswith(ATTRIBUTE):
                body["attributes"][column[len(ATTRIBUTE) :]] = _value(cell)
            elif column == "active":
                body["active"] = cell.strip().lower() in ("true", "1", "yes")
            else:
                body[column] = cell
        bodies.append(body)
    return bodies
