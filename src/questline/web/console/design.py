"""The design editor's work, done by the same functions the API's /v1/config answers with:
a draft checked as `POST /v1/config/validate` checks it, each problem placed at its line
and column in the draft's own text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlalchemy.orm import Session

from questline.api.config import validate_body
from questline.api.config_schemas import ValidationResult
from questline.api.http.context import Context
from questline.errors import QuestlineError
from questline.services.schedules import list_schedules
from questline.storage import configs
from questline.storage.models import ConfigVersion, ScheduledPublish
from questline.yamlfile import value_marks

YAML = "application/yaml"
VERSIONS_SHOWN = 50


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a draft, and where: its path in the document and, when the
    text says, its line and column (1-based)."""

    message: str
    where: str
    line: int | None = None
    column: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "where": self.where,
            "line": self.line,
            "column": self.column,
        }


@dataclass(frozen=True)
class DraftCheck:
    valid: bool
    summary: str = ""
    problems: list[Problem] = field(default_factory=list)
    result: ValidationResult | None = None  # what the API's validation answered

    def as_dict(self) -> dict[str, Any]:
        diff = self.result.diff if self.result else None
        return {
            "valid": self.valid,
            "summary": self.summary,
            "problems": [p.as_dict() for p in self.problems],
            "current_version": self.result.current_version if self.result else None,
            "changes": [c.description for c in diff.changes] if diff else [],
            "diff": diff.text if diff else "",
        }


def check_draft(context: Context, app_id: int, source: str) -> DraftCheck:
    """The draft checked (and compared with the current version) exactly as
    `POST /v1/config/validate` does; its problems located in `source`."""
    try:
        result = validate_body(context, app_id, source.encode("utf-8"), YAML)
    except QuestlineError as error:
        return DraftCheck(False, error.detail, locate(source, error))
    summary = (
        f"{len(result.currencies)} currencies, {len(result.metrics)} metrics,"
        f" {len(result.rules)} rules"
    )
    return DraftCheck(True, summary, [], result)


def locate(source: str, error: QuestlineError) -> list[Problem]:
    """Each of the error's problems at its line and column in `source`: as the YAML
    parser reported it, or found from its path (the closest enclosing value when the path
    names something the draft lacks), moved along an expression to the character the
    expression's compiler pointed at."""
    marks = value_marks(source)
    found: list[Problem] = []
    for issue in error.errors or [{"loc": [], "message": error.detail}]:
        loc = [part for part in issue.get("loc", []) if isinstance(part, str | int)]
        where = ".".join(str(part) for part in loc)
        message = str(issue.get("message", error.detail))
        if "line" in issue:
            found.append(Problem(message, where, int(issue["line"]), int(issue.get("column", 1))))
            continue
        line, column = None, None
        for end in range(len(loc), 0, -1):
            mark = marks.get(tuple(loc[:end]))
            if mark is not None:
                line, column, value_column = mark
                position = issue.get("position")
                if end == len(loc) and isinstance(position, int):
                    column = value_column + position
                break
        found.append(Problem(message, where, line, column))
    return found


@dataclass(frozen=True)
class Editor:
    current: ConfigVersion | None
    source: str  # the current version's text as published (or as YAML, if sent as JSON)
    versions: list[ConfigVersion]
    schedules: list[ScheduledPublish]


def editor(session: Session, app_id: int) -> Editor:
    current = configs.current(session, app_id)
    rows = configs.versions(session, app_id, limit=VERSIONS_SHOWN)
    return Editor(current, source_of(current), rows, list_schedules(session, app_id))


def source_of(row: ConfigVersion | None) -> str:
    if row is None:
        return ""
    if row.source:
        return row.source
    return yaml.safe_dump(row.document, sort_keys=False, allow_unicode=True)
