"""Design documents are read with bounded nesting, unique keys and storable text."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from questline.documents import MAX_DEPTH, load_json, unstorable_text
from questline.yamlfile import load_yaml

scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=30,
)


@given(documents, st.booleans())
def test_a_json_document_within_the_limits_reads_as_json_reads_it(
    document: Any, ascii_only: bool
) -> None:
    text = json.dumps(document, ensure_ascii=ascii_only)
    assert load_json(text) == json.loads(text)


def _nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def test_json_nested_to_the_limit_is_read_and_one_level_more_is_refused_where_it_starts() -> None:
    assert load_json(_nested(MAX_DEPTH)) is not None
    with pytest.raises(json.JSONDecodeError) as refused:
        load_json("[\n" + " " * 4 + _nested(MAX_DEPTH) + "]")
    assert refused.value.msg == f"more than {MAX_DEPTH} levels of nesting"
    assert (refused.value.lineno, refused.value.colno) == (2, 5 + 6 * (MAX_DEPTH - 1))


def test_json_nested_ten_thousand_deep_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(json.JSONDecodeError, match="levels of nesting"):
        load_json("[" * 10_000 + "]" * 10_000)


def test_brackets_inside_strings_are_text_not_nesting() -> None:
    text = json.dumps({"expression": "[" * 100 + '{"\\"' * 50})
    assert load_json(text) == json.loads(text)


def test_a_key_given_twice_in_one_object_is_refused_at_the_second() -> None:
    with pytest.raises(json.JSONDecodeError) as refused:
        load_json('{"currencies": {"xp": {}},\n "currencies": {"gems": {}}}')
    assert refused.value.msg == 'duplicate key "currencies"'
    assert (refused.value.lineno, refused.value.colno) == (2, 2)
    # The same key written two ways is still the same key.
    with pytest.raises(json.JSONDecodeError, match="duplicate key"):
        load_json('{"xp": 1, "\\u0078p": 2}')


def test_the_same_key_in_different_objects_is_fine() -> None:
    text = '{"a": {"x": 1}, "b": {"x": 2}, "c": [{"x": 3}, {"x": 4}]}'
    assert load_json(text) == json.loads(text)


def test_yaml_nested_to_the_limit_is_read_and_deeper_is_refused_with_its_line() -> None:
    # The mapping around the lists is a level too.
    assert load_yaml("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)) is not None
    block = (
        "".join(f"{'  ' * level}k{level}:\n" for level in range(MAX_DEPTH + 1))
        + "  " * (MAX_DEPTH + 1)
        + "v\n"
    )
    with pytest.raises(yaml.MarkedYAMLError) as refused:
        load_yaml(block)
    assert refused.value.problem == f"more than {MAX_DEPTH} levels of nesting"
    assert refused.value.problem_mark is not None
    assert refused.value.problem_mark.line == MAX_DEPTH


def test_yaml_nested_ten_thousand_deep_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(yaml.MarkedYAMLError, match="levels of nesting"):
        load_yaml("x: " + "[" * 10_000 + "]" * 10_000)
    with pytest.raises(yaml.MarkedYAMLError, match="levels of nesting"):
        load_yaml("".join(f"{' ' * level}- \n" for level in range(10_000)))


def test_a_nul_or_a_lone_surrogate_is_found_where_it_was_decoded() -> None:
    assert unstorable_text({"a": ["fine", {"b": "x\x00y"}]}) == (
        ["a", 1, "b"],
        "contains a NUL character (U+0000), which text may not hold",
    )
    assert unstorable_text({"ke\x00y": 1}) is not None
    found = unstorable_text([json.loads('"\\ud800"')])
    assert found is not None
    assert found[0] == [0]
    assert "U+D800" in found[1]
    # A backslash followed by "u0000" is text like any other; a surrogate pair is a character.
    assert unstorable_text(json.loads('{"a": "\\\\u0000", "b": "\\ud83d\\ude00"}')) is None
