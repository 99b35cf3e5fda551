"""How large a game design sent to the server may be, checked before the expensive work.

Parsing YAML in Python and compiling a design cost time in proportion to the number of
values in it: a 1 MB level table of 144,000 numbers kept a core busy for 12 s. A design
is refused with `413 payload_too_large` when its text is longer than `MAX_BYTES`, and when
it holds more than `MAX_VALUES` values — every mapping, list, key and scalar counts — which
for YAML is counted on libyaml's event stream (C, a fraction of the parse) before anything
is built, and stops at the first value past the limit. The blueprints are a few kilobytes
and a few hundred values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from questline.errors import PayloadTooLarge

MAX_BYTES = 256 * 1024
MAX_VALUES = 20_000

_EventParser: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def check_bytes(body: bytes) -> None:
    if len(body) > MAX_BYTES:
        raise PayloadTooLarge(
            f"a game design may be at most {MAX_BYTES:,} bytes; this one is {len(body):,}"
        )


def check_yaml_values(text: str) -> None:
    """Count the values of a YAML text before it is parsed. Text that is not YAML passes:
    the parser then says what is wrong with it."""
    path = _Path()
    counted = 0
    try:
        for event in yaml.parse(text, Loader=_EventParser):
            if isinstance(event, yaml.CollectionEndEvent):
                path.close()
            elif isinstance(event, yaml.NodeEvent):
                counted += 1
                if counted > MAX_VALUES:
                    _too_many(path.here())
                if isinstance(event, yaml.CollectionStartEvent):
                    path.open(mapping=isinstance(event, yaml.MappingStartEvent))
                else:
                    path.scalar(event.value if isinstance(event, yaml.ScalarEvent) else None)
    except yaml.YAMLError:
        return


def check_values(document: Any) -> None:
    """Count the values of a parsed design (of JSON, which its parser reads fast)."""
    counted = 0
    pending: list[tuple[list[Any], Any]] = [([], document)]
    while pending:  # in document order, without recursion
        where, value = pending.pop()
        counted += 1
        if isinstance(value, dict):
            counted += len(value)  # the keys
            pending.extend(([*where, key], item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            pending.extend(([*where, n], value[n]) for n in reversed(range(len(value))))
        if counted > MAX_VALUES:
            _too_many(where)


def _too_many(where: list[Any]) -> None:
    raise PayloadTooLarge(
        f"a game design may hold at most {MAX_VALUES:,} values (mappings, lists, keys and"
        " scalars); this one holds more",
        errors=[{"loc": where, "message": f"the value past the limit of {MAX_VALUES:,}"}],
    )


@dataclass
class _Open:
    mapping: bool
    at: list[Any]
    index: int = 0  # a list's next item, or a mapping's keys and values read so far
    key: Any = None


@dataclass
class _Path:
    """Where the event stream is, as the `loc` of the node about to be read."""

    stack: list[_Open] = field(default_factory=list)

    def here(self) -> list[Any]:
        if not self.stack:
            return []
        top = self.stack[-1]
        if not top.mapping:
            return [*top.at, top.index]
        return [*top.at, top.key] if top.index % 2 else top.at

    def open(self, *, mapping: bool) -> None:
        self.stack.append(_Open(mapping, self.here()))

    def scalar(self, value: str | None) -> None:
        if self.stack:
            top = self.stack[-1]
            if top.mapping and top.index % 2 == 0:
                top.key = value
            top.index += 1

    def close(self) -> None:
        self.stack.pop()
        self.scalar(None)
