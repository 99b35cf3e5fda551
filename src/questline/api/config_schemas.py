"""What /v1/config reads and answers: published versions, diffs, a validation's result."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from questline.engine.design_diff import DesignDiff


class ConfigVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    created_at: datetime
    created_by: str | None
    comment: str | None
    backfilled_at: datetime | None = Field(
        description="when the achievement backfill of this version ran to the end; null"
        " before that (a just-published version, or one replaced while its backfill ran)"
    )
    dry_run: int | None = Field(
        validation_alias="dry_run_id",
        description="the dry run the publisher checked this document with (`?dry_run=`)",
    )
    document: dict[str, Any] = Field(
        description="the game design as it was published (a `GameDesign`), with any"
        " shorthand it was written in kept: `on` as one event type, amounts as numbers"
    )


class ConfigVersionList(BaseModel):
    data: list[ConfigVersionOut]
    next_cursor: str | None


_CHANGE_EXAMPLE: dict[str, Any] = {
    "section": "rules",
    "key": "attempt-xp",
    "change": "changed",
    "path": ["award", "xp"],
    "before": 10,
    "after": 20,
    "description": "rules 'attempt-xp': award.xp changed from 10 to 20",
}
_DIFF_TEXT = "--- version 1\n+++ version 2\n@@ -4,3 +4,3 @@\n- award:\n-    xp: 10\n+    xp: 20\n"


class DesignChangeOut(BaseModel):
    """One change between two game designs, by section, key and path."""

    model_config = ConfigDict(json_schema_extra={"examples": [_CHANGE_EXAMPLE]})

    section: str = Field(description="the top-level key: rules, currencies, achievements, …")
    key: str | None = Field(
        description="the entry in the section (a rule's id, a currency's key); null: the"
        " section itself"
    )
    change: Literal["added", "removed", "changed", "reordered"]
    path: list[str | int] = Field(description='where inside the entry, e.g. ["award", "xp"]')
    before: Any = Field(description="the value before; null when added")
    after: Any = Field(description="the value after; null when removed")
    description: str = Field(examples=["rules 'attempt-xp': award.xp changed from 10 to 20"])


class DesignDiffOut(BaseModel):
    """What changed between two game designs: by section and key, and as text."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"changes": [_CHANGE_EXAMPLE], "text": _DIFF_TEXT}]}
    )

    changes: list[DesignChangeOut]
    text: str = Field(description="a unified diff of both documents as canonical YAML")


class VersionDiffOut(DesignDiffOut):
    """What changed from one published version to another."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "from_version": 1,
                    "to_version": 2,
                    "changes": [_CHANGE_EXAMPLE],
                    "text": _DIFF_TEXT,
                }
            ]
        }
    )

    from_version: int
    to_version: int


class ValidationResult(BaseModel):
    valid: bool
    currencies: list[str]
    metrics: list[str]
    rules: list[str]
    current_version: int | None = Field(
        description="the version the draft is compared with; null before the first publish"
    )
    diff: DesignDiffOut | None = Field(
        description="what publishing the draft would change; null before the first publish"
    )


def diff_out(found: DesignDiff) -> DesignDiffOut:
    return DesignDiffOut(changes=changes_out(found), text=found.text)


def changes_out(found: DesignDiff) -> list[DesignChangeOut]:
    return [
        DesignChangeOut(
            section=change.section,
            key=change.key,
            change=change.change,
            path=list(change.path),
            before=change.before,
            after=change.after,
            description=change.describe(),
        )
        for change in found.changes
    ]


class RollbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(
        strict=True,
        ge=1,
        le=2**31 - 1,
        description="the version whose document becomes current again",
    )
    comment: str | None = Field(default=None, max_length=500)
