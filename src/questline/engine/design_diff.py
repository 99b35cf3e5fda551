"""What changed between two game design documents: by section and key (rule
`attempt-xp`: `award.xp` changed from … to …; achievement `ten-passes` added), plus a
unified text diff of the two documents as canonical YAML.

Pure: documents in, plain data out. Entries of a list section (rules, achievements, …)
are matched by their `id`, so moving a rule is not read as changing every rule after it;
a change of order alone is reported as such, since rules apply in order."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

ADDED, REMOVED, CHANGED, REORDERED = "added", "removed", "changed", "reordered"

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Change:
    section: str  # the top-level key: "rules", "currencies", "name", …
    key: str | None  # the entry in it (a rule id, a currency key); None: the section itself
    change: str  # added, removed, changed or reordered
    path: Path  # where inside the entry, e.g. ("award", "xp"); () for the whole entry
    before: Any  # None when added
    after: Any  # None when removed

    def describe(self) -> str:
        where = self.section if self.key is None else f"{self.section} '{self.key}'"
        inside = ".".join(map(str, self.path))
        if self.change == CHANGED and inside:
            return f"{where}: {inside} changed from {self.before!r} to {self.after!r}"
        if self.change == CHANGED:
            return f"{where}: changed from {self.before!r} to {self.after!r}"
        if self.change == REORDERED:
            return f"{where}: order changed from {self.before} to {self.after}"
        if inside:
            return f"{where}: {inside} {self.change}"
        return f"{where} {self.change}"


@dataclass(frozen=True, slots=True)
class DesignDiff:
    changes: tuple[Change, ...]
    text: str  # unified diff of the canonical YAML of both; "" when they are equal

    @property
    def empty(self) -> bool:
        return not self.changes


def diff_designs(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    before_name: str = "before",
    after_name: str = "after",
) -> DesignDiff:
    changes: list[Change] = []
    for section in _ordered_union(before, after):
        if section not in after:
            changes.append(Change(section, None, REMOVED, (), before[section], None))
        elif section not in before:
            changes.append(Change(section, None, ADDED, (), None, after[section]))
        else:
            changes.extend(_section(section, before[section], after[section]))
    return DesignDiff(tuple(changes), unified_text(before, after, before_name, after_name))


def canonical_yaml(document: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(document), sort_keys=True, allow_unicode=True, width=100)


def unified_text(
    before: Mapping[str, Any], after: Mapping[str, Any], before_name: str, after_name: str
) -> str:
    lines = difflib.unified_diff(
        canonical_yaml(before).splitlines(keepends=True),
        canonical_yaml(after).splitlines(keepends=True),
        fromfile=before_name,
        tofile=after_name,
    )
    return "".join(lines)


def _ordered_union(first: Mapping[Any, Any], second: Mapping[Any, Any]) -> list[Any]:
    return [*first, *(key for key in second if key not in first)]


def _section(section: str, before: Any, after: Any) -> list[Change]:
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        return _entries(section, before, after)
    if _identified(before) and _identified(after):
        found = _entries(section, {e["id"]: e for e in before}, {e["id"]: e for e in after})
        order_before = [e["id"] for e in before if any(e["id"] == a["id"] for a in after)]
        order_after = [e["id"] for e in after if any(e["id"] == b["id"] for b in before)]
        if order_before != order_after:
            found.append(Change(section, None, REORDERED, (), order_before, order_after))
        return found
    if same(before, after):
        return []
    return [Change(section, None, CHANGED, (), before, after)]


def _identified(value: Any) -> bool:
    """A list whose entries are mappings, each with a distinct string `id`."""
    if not isinstance(value, list):
        return False
    ids = [e.get("id") if isinstance(e, Mapping) else None for e in value]
    return all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids)


def _entries(section: str, before: Mapping[Any, Any], after: Mapping[Any, Any]) -> list[Change]:
    found: list[Change] = []
    for key in _ordered_union(before, after):
        name = str(key)
        if key not in after:
            found.append(Change(section, name, REMOVED, (), before[key], None))
        elif key not in before:
            found.append(Change(section, name, ADDED, (), None, after[key]))
        else:
            found.extend(
                Change(section, name, change, path, old, new)
                for change, path, old, new in _leaves(before[key], after[key], ())
            )
    return found


def _leaves(before: Any, after: Any, path: Path) -> list[tuple[str, Path, Any, Any]]:
    """Changes down to the smallest mapping key that differs; lists compare whole."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        found: list[tuple[str, Path, Any, Any]] = []
        for key in _ordered_union(before, after):
            inner = (*path, key)
            if key not in after:
                found.append((REMOVED, inner, before[key], None))
            elif key not in before:
                found.append((ADDED, inner, None, after[key]))
            else:
                found.extend(_leaves(before[key], after[key], inner))
        return found
    if same(before, after):
        return []
    return [(CHANGED, path, before, after)]


def same(first: Any, second: Any) -> bool:
    """Equal as documents: `true` is not `1`, and `1` is not `1.0` (Python's == says
    they are), but the order of a mapping's keys does not matter."""
    if isinstance(first, Mapping) and isinstance(second, Mapping):
        return first.keys() == second.keys() and all(same(first[k], second[k]) for k in first)
    if isinstance(first, list) and isinstance(second, list):
        return len(first) == len(second) and all(map(same, first, second))
    return type(first) is type(second) and first == second
