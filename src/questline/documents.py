"""Reading documents people write (game designs, as JSON here or YAML in `yamlfile`):
at most `MAX_DEPTH` levels of nesting, no key given twice, and no NUL in decoded text.

Python's parsers recurse once per level, so a document nested thousands deep fails with
a RecursionError; designs need a handful of levels (the blueprints use at most 7).
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32
"""How many mappings and lists deep a document may nest."""

# A string (whole, so that brackets inside it are not counted), a bracket or a colon:
# everything else of JSON (numbers, literals, commas, spaces) does not matter here.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]:]')


def load_json(text: str) -> Any:
    """`json.loads`, except that nesting deeper than `MAX_DEPTH` and a key given twice in
    one object are refused as a `json.JSONDecodeError` at their position (JSON would keep
    the last of two keys silently)."""
    problem = _structure_problem(text)
    if problem is not None:
        raise problem
    return json.loads(text)


def _structure_problem(text: str) -> json.JSONDecodeError | None:
    # One pass over the tokens, before parsing, so that the parser never recurses deeper
    # than allowed. On text that is not JSON it may find nothing; the parser then says why.
    open_objects: list[set[str] | None] = []  # per open bracket: an object's keys, or None
    previous: re.Match[str] | None = None
    for token in _TOKEN.finditer(text):
        kind = token.group()
        if kind in ("{", "["):
            open_objects.append(set() if kind == "{" else None)
            if len(open_objects) > MAX_DEPTH:
                return json.JSONDecodeError(
                    f"more than {MAX_DEPTH} levels of nesting", text, token.start()
                )
        elif kind in ("}", "]"):
            if open_objects:
                open_objects.pop()
        elif kind == ":":
            keys = open_objects[-1] if open_objects else None
            if keys is not None and previous is not None and previous.group().startswith('"'):
                key = _decoded(previous.group())
                if key in keys:
                    return json.JSONDecodeError(
                        f"duplicate key {json.dumps(key, ensure_ascii=False)}",
                        text,
                        previous.start(),
                    )
                keys.add(key)
        previous = token
    return None


def _decoded(string_token: str) -> str:
    try:
        return str(json.loads(string_token))
    except ValueError:
        return string_token  # not valid JSON: the parser will say so


def unstorable_text(document: Any) -> tuple[list[Any], str] | None:
    """Where the first text in a document (a key or a string value, once decoded) that no
    database can store is, and what is wrong with it; None if there is none. A NUL
    character cannot be stored in PostgreSQL, and a lone UTF-16 surrogate (which JSON's
    `\\ud800` escape can produce) is not a character at all."""
    pending: list[tuple[list[Any], Any]] = [([], document)]
    while pending:  # depth first, in document order, without recursion
        path, value = pending.pop()
        if isinstance(value, str):
            if (problem := _text_problem(value)) is not None:
                return path, problem
        elif isinstance(value, dict):
            for key in value:
                if isinstance(key, str) and (problem := _text_problem(key)) is not None:
                    return [*path, key], problem
            pending.extend(([*path, key], item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            pending.extend(([*path, index], value[index]) for index in reversed(range(len(value))))
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character (U+0000), which text may not hold"
    if (found := _SURROGATE.search(text)) is not None:
        return (
            f"contains U+{ord(found.group()):04X}, half of a UTF-16 surrogate pair,"
            " which is not a character"
        )
    return None
