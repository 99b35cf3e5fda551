"""Reading YAML written by people: YAML 1.2 booleans and no aliases.

PyYAML follows YAML 1.1, where `on`, `off`, `yes` and `no` are booleans — so a rule's
`on: attempt.submitted` would silently become `True: attempt.submitted`. Only `true`
and `false` are booleans here. Anchors and aliases are refused: they let a 1 KiB
document expand to gigabytes. Nesting is bounded as in `questline.documents`.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from questline.documents import MAX_DEPTH


class DesignLoader(yaml.SafeLoader):
    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.depth = 0  # mappings and sequences open around the node being composed

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(
                "while reading the document",
                None,
                "anchors and aliases are not allowed",
                event.start_mark,
            )
        if not self.check_event(yaml.MappingStartEvent, yaml.SequenceStartEvent):
            return super().compose_node(parent, index)
        # The composer recurses once per level: refuse before Python's stack runs out.
        if self.depth == MAX_DEPTH:
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(
                "while reading the document",
                None,
                f"more than {MAX_DEPTH} levels of nesting",
                event.start_mark,
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        # A key given twice would silently keep only the last one.
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, list | dict):
                continue
            if key in seen:
                raise yaml.MarkedYAMLError(
                    "while reading a mapping",
                    node.start_mark,
                    f"duplicate key '{key}'",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


DesignLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
DesignLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=DesignLoader)  # noqa: S506 - a SafeLoader subclass


Path = tuple[str | int, ...]


def value_marks(text: str) -> dict[Path, tuple[int, int, int]]:
    """Where each value of a YAML document is, by its path (``("rules", 0, "award")``):
    (line, column) of the key that names it (or of the item, in a list), both 1-based, and
    the column its value's own text starts at (after a quote), so a position inside an
    expression can be pointed at. Empty when the text does not parse."""
    try:
        root = yaml.compose(text, Loader=DesignLoader)
    except yaml.YAMLError:
        return {}
    found: dict[Path, tuple[int, int, int]] = {}
    if root is not None:
        _walk(root, (), found)
    return found


def _walk(node: yaml.Node, path: Path, found: dict[Path, tuple[int, int, int]]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            here = (*path, key.value)
            found[here] = (key.start_mark.line + 1, key.start_mark.column + 1, _start(value))
            _walk(value, here, found)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            here = (*path, index)
            found[here] = (item.start_mark.line + 1, item.start_mark.column + 1, _start(item))
            _walk(item, here, found)


def _start(node: yaml.Node) -> int:
    quoted = isinstance(node, yaml.ScalarNode) and node.style in ("'", '"')
    return node.start_mark.column + 1 + (1 if quoted else 0)
