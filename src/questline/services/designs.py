"""Game design documents: checked and compiled (or refused with every problem and where
it is), and compared with one another."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from questline import design_limits
from questline.engine.compiler import CompiledDesign, DesignError, compile_design
from questline.engine.design_diff import DesignDiff, diff_designs
from questline.errors import InvalidDesign, NotFound
from questline.storage import configs


def check_document(
    document: dict[str, Any], *, version: int = 0, at: Sequence[str | int] = ()
) -> CompiledDesign:
    """The document compiled, or InvalidDesign listing each issue; `at` prefixes every
    location (a draft inside a request body is at ``["design", ...]``). A document with
    more values than a design may hold is refused first (413), before compiling it."""
    design_limits.check_values(document)
    try:
        return compile_design(document, version)
    except DesignError as error:
        raise InvalidDesign(
            f"{len(error.issues)} problem(s) in the design: {error}",
            errors=[{**issue.as_dict(), "loc": [*at, *issue.loc]} for issue in error.issues],
        ) from None


def version_diff(session: Session, app_id: int, first: int, second: int) -> DesignDiff:
    """What changed from version `first` to version `second` (either may be the older)."""
    documents = []
    for version in (first, second):
        row = configs.get_version(session, app_id, version)
        if row is None:
            raise NotFound(f"there is no version {version}")
        documents.append(row.document)
    return diff_designs(
        documents[0],
        documents[1],
        before_name=f"version {first}",
        after_name=f"version {second}",
    )


def diff_from_current(
    session: Session, app_id: int, draft: dict[str, Any]
) -> tuple[int, DesignDiff] | None:
    """What publishing `draft` would change: (current version, diff), or None when
    nothing is published yet."""
    current = configs.current(session, app_id)
    if current is None:
        return None
    return current.version, diff_designs(
        current.document, draft, before_name=f"version {current.version}", after_name="draft"
    )
