"""An expression's text as a syntax tree: parsed by `ast.parse`, with errors placed at a
character of the text, and bounded in size and depth before anything recurses over it.
Nothing here knows names or types; the compiler does."""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable

from questline.engine.expressions.values import MAX_DEPTH, MAX_NODES, ExpressionError


def offset(text: str, line: int, column: int, *, in_bytes: bool = True) -> int:
    """A character offset into `text` from a 1-based line and a column (ast counts bytes)."""
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n|$)", text)
    row = min(max(line, 1), len(lines)) - 1
    current = lines[row].rstrip("\r\n")
    if in_bytes:
        column = len(current.encode(errors="replace")[:column].decode(errors="ignore"))
    return sum(map(len, lines[:row])) + min(max(column, 0), len(current))


def parse(source: str) -> tuple[ast.Expression, str, int]:
    """The tree, the text it was parsed from, and that text's offset into `source`."""
    text = source.lstrip()
    lead = len(source) - len(text)  # leading spaces would be an "unexpected indent"
    try:
        # Python warns about odd-but-valid text ('\d', 1 is 1); we reject or accept it ourselves.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, mode="eval"), text, lead
    except SyntaxError as error:
        # Python reports some errors at the end of the input as column 0.
        column = error.offset - 1 if error.offset and error.offset > 0 else len(text)
        position = lead + offset(text, error.lineno or 1, column, in_bytes=False)
        message = f"syntax error: {error.msg}"
    except ValueError:  # null bytes, on Python 3.11
        position, message = None, "the expression contains a character that is not allowed"
    except (RecursionError, MemoryError):
        position, message = None, "the expression is nested too deeply"
    raise ExpressionError(message, source=source, position=position)


def check_size(
    root: ast.expr, source: str, error_at: Callable[[str, ast.AST], ExpressionError]
) -> None:
    """At most MAX_NODES parts, nested at most MAX_DEPTH deep (`error_at` places an error
    at a node)."""
    count = 0
    stack: list[tuple[ast.AST, int]] = [(root, 1)]
    while stack:  # iterative, because these limits are what keeps compiling's recursion bounded
        node, depth = stack.pop()
        if isinstance(node, ast.expr):
            count += 1
            if count > MAX_NODES:
                message = f"the expression is too long: more than {MAX_NODES} parts"
                raise ExpressionError(message, source=source, position=None)
            if depth > MAX_DEPTH:
                message = f"the expression is nested too deeply (at most {MAX_DEPTH} levels)"
                raise error_at(message, node)
            depth += 1
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
