"""The expression compiler: text -> checked closures.

Text is parsed with `ast.parse` (`syntax`) and only whitelisted node types are accepted.
Each node becomes a closure once, so evaluation is a plain call tree: no eval, no exec, no
runtime attribute access. A node's types are checked in the same step that builds its
closure: one pass, and a type known only at runtime is checked then.
"""

from __future__ import annotations

import ast
import decimal
import difflib
import operator
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from questline.engine.expressions.syntax import check_size, offset, parse
from questline.engine.expressions.values import (
    _CONTEXT,
    _SAYS,
    BOOL_WORDS,
    LIMIT,
    MAX_EXPONENT,
    MAX_SOURCE_LENGTH,
    CompiledExpression,
    ExpressionError,
    ExpressionType,
    Resolver,
    Scope,
    Value,
    _admit,
    _bounded,
    _checked,
    _equal,
    _floor_divmod,
    _Fn,
    _kind,
    _nonzero,
    _round_to,
    _shorten,
    _sqrt,
    _StepError,
)

_ARITHMETIC: dict[type[ast.operator], tuple[str, Callable[[Decimal, Decimal], Decimal]]] = {
    ast.Add: ("+", _CONTEXT.add),
    ast.Sub: ("-", _CONTEXT.subtract),
    ast.Mult: ("*", _CONTEXT.multiply),
    ast.Div: ("/", lambda a, b: _CONTEXT.divide(a, _nonzero(b))),
    ast.FloorDiv: ("//", lambda a, b: _floor_divmod(a, b)[0]),
    ast.Mod: ("%", lambda a, b: _floor_divmod(a, b)[1]),
}
_COMPARE: dict[type[ast.cmpop], tuple[str, Callable[[Any, Any], bool]]] = {
    ast.Lt: ("<", operator.lt),
    ast.LtE: ("<=", operator.le),
    ast.Gt: (">", operator.gt),
    ast.GtE: (">=", operator.ge),
    ast.Eq: ("==", _equal),
    ast.NotEq: ("!=", lambda a, b: not _equal(a, b)),
}
_UNARY: dict[str, Callable[[Decimal], Decimal]] = {
    "floor": lambda x: x.to_integral_value(decimal.ROUND_FLOOR),
    "ceil": lambda x: x.to_integral_value(decimal.ROUND_CEILING),
    "round": lambda x: x.to_integral_value(decimal.ROUND_HALF_UP),
    "sqrt": _sqrt,
    "abs": Decimal.copy_abs,
}
_ARITY = {**dict.fromkeys(_UNARY, (1, 1)), "round": (1, 2), "min": (1, 0), "max": (1, 0)}
_ARITY |= {"clamp": (3, 3), "has": (1, 1), "default": (2, 2)}  # (least, most); 0: no limit
_HANDLERS = {ast.BinOp: "binary", ast.UnaryOp: "unary", ast.BoolOp: "boolean"}
_HANDLERS |= {ast.Compare: "compare", ast.IfExp: "conditional", ast.Call: "call"}
_REJECTED: dict[type[ast.AST], str] = {ast.Subscript: "indexing with [ ]", ast.Lambda: "lambda"}
_REJECTED |= dict.fromkeys([ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp], "loops")
_REJECTED |= dict.fromkeys([ast.List, ast.Tuple, ast.Set, ast.Dict], "lists and tuples")
_REJECTED |= {ast.JoinedStr: "f-strings", ast.NamedExpr: ":=", ast.Starred: "*"}


@dataclass(frozen=True)
class _Node:
    type: ExpressionType
    fn: _Fn
    tree: ast.expr


class _Compiler:
    def __init__(self, source: str, text: str, shift: int, scope: Scope) -> None:
        self.source, self.text, self.shift, self.scope = source, text, shift, scope
        self.references: dict[str, None] = {}  # an ordered set

    def error(self, message: str, node: ast.AST) -> ExpressionError:
        line, column = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
        position = max(offset(self.text, line, column) + self.shift, 0)
        return ExpressionError(message, source=self.source, position=position)

    def label(self, node: ast.AST) -> str:
        return _shorten(ast.get_source_segment(self.text, node) or type(node).__name__)

    def typed(self, node: ast.expr | _Node, want: ExpressionType, what: str) -> _Fn:
        """A closure returning `want`, checked at runtime when the type is only known then."""
        compiled = node if isinstance(node, _Node) else self.compile(node)
        label = self.label(compiled.tree)
        if compiled.type is ExpressionType.ANY:
            return _checked(compiled.fn, want, label)
        if compiled.type is not want:
            message = f"{what} needs {_SAYS[want]}, but {label} is {_SAYS[compiled.type]}"
            raise self.error(message, compiled.tree)
        return compiled.fn

    def unify(self, first: _Node, second: _Node, what: str) -> ExpressionType:
        if first.type == second.type or ExpressionType.ANY in (first.type, second.type):
            return first.type if first.type == second.type else ExpressionType.ANY
        message = f"{what} {_SAYS[first.type]} with {_SAYS[second.type]}"
        raise self.error(message, second.tree)

    def compile(self, node: ast.expr) -> _Node:
        if isinstance(node, ast.Constant):
            return _Node(*self.constant(node), node)
        if isinstance(node, ast.Name) and node.id in BOOL_WORDS:
            return _Node(ExpressionType.BOOL, _constant(node.id == "true"), node)
        if isinstance(node, ast.Name | ast.Attribute):
            return self.name(node)
        if type(node) not in _HANDLERS:
            what = _REJECTED.get(type(node), f"this kind of expression ({type(node).__name__})")
            raise self.error(f"{what} not allowed in expressions", node)
        type_, fn = getattr(self, _HANDLERS[type(node)])(node)
        return _Node(type_, fn, node)

    def constant(self, node: ast.Constant) -> tuple[ExpressionType, _Fn]:
        value = node.value
        if isinstance(value, bool | str):
            return _kind(value), _constant(value)
        if not isinstance(value, int | float):
            raise self.error(f"{self.label(node)} is not supported here", node)
        try:  # the source text, not the float: 1.15 must be exactly Decimal("1.15")
            number = Decimal(ast.get_source_segment(self.text, node) or "")
        except decimal.InvalidOperation:  # 0x1F, 0o17 and friends
            number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
        if not number.is_finite() or number.copy_abs() > LIMIT:
            raise self.error(f"the number {self.label(node)} is too large", node)
        return ExpressionType.NUMBER, _constant(number)

    def lookup(self, node: ast.expr) -> tuple[str, ExpressionType]:
        segments: list[str] = []
        while isinstance(node, ast.Attribute):
            segments.insert(0, node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            raise self.error("a '.' may only follow a name, as in event.score", node)
        path = ".".join([node.id, *segments])
        if any(segment.startswith("__") for segment in [node.id, *segments]):
            raise self.error(f"names starting with '__' are not allowed ({path})", node)
        type_ = self.scope.names.get(path)
        if type_ is None and len(segments) == 1 and node.id in self.scope.open_namespaces:
            type_ = ExpressionType.ANY
        if type_ is None:
            if path in self.scope.open_namespaces:
                raise self.error(f"{path} needs a property name after it, like {path}.score", node)
            open_ = [
                f"{ns}.{segments[0]}" for ns in self.scope.open_namespaces if len(segments) == 1
            ]
            candidates = [*self.scope.names, *open_]  # open_: a misspelt namespace, like evnt.x
            raise self.error(f"unknown name '{path}'{_suggest(path, sorted(candidates))}", node)
        self.references.setdefault(path)
        return path, type_

    def name(self, node: ast.Name | ast.Attribute) -> _Node:
        path, declared = self.lookup(node)

        def read(resolver: Resolver) -> Value:
            value = resolver.resolve(path)
            if value is None:
                raise _StepError(f"{path} is missing")
            return _admit(path, value, declared)

        return _Node(declared, read, node)

    def binary(self, node: ast.BinOp) -> tuple[ExpressionType, _Fn]:
        if isinstance(node.op, ast.Pow):
            return self.power(node)
        if type(node.op) not in _ARITHMETIC:
            raise self.error("the only arithmetic operators are + - * / // % **", node)
        symbol, apply = _ARITHMETIC[type(node.op)]
        left = self.typed(node.left, ExpressionType.NUMBER, symbol)
        right = self.typed(node.right, ExpressionType.NUMBER, symbol)
        return ExpressionType.NUMBER, lambda r: _bounded(apply(left(r), right(r)))

    def power(self, node: ast.BinOp) -> tuple[ExpressionType, _Fn]:
        base = self.typed(node.left, ExpressionType.NUMBER, "**")
        try:  # literal_eval only folds literals (and a sign); it never runs anything
            exponent = ast.literal_eval(node.right)
        except (ValueError, TypeError, SyntaxError):
            exponent = None
        if isinstance(exponent, bool) or not isinstance(exponent, int | float):
            exponent = None
        if exponent is None or not -MAX_EXPONENT <= exponent <= MAX_EXPONENT:
            bound = MAX_EXPONENT
            message = f"the exponent after ** must be a plain number from -{bound} to {bound}"
            raise self.error(message, node.right)
        power = Decimal(repr(exponent))
        whole = power == power.to_integral_value()

        def raise_to(resolver: Resolver) -> Decimal:
            x: Decimal = base(resolver)
            if not power:
                return Decimal(1)  # Decimal calls 0 ** 0 undefined; designers expect 1
            if not x and power < 0:
                raise _StepError("division by zero")
            if x < 0 and not whole:
                raise _StepError(f"cannot raise a negative number ({x}) to a fractional power")
            return _bounded(_CONTEXT.power(x, power))

        return ExpressionType.NUMBER, raise_to

    def unary(self, node: ast.UnaryOp) -> tuple[ExpressionType, _Fn]:
        if isinstance(node.op, ast.Not):
            operand = self.typed(node.operand, ExpressionType.BOOL, "not")
            return ExpressionType.BOOL, lambda r: not operand(r)
        if isinstance(node.op, ast.Invert):
            raise self.error("~ is not supported", node)
        negate = isinstance(node.op, ast.USub)
        number = self.typed(node.operand, ExpressionType.NUMBER, "-" if negate else "+")
        return ExpressionType.NUMBER, (lambda r: _CONTEXT.minus(number(r))) if negate else number

    def boolean(self, node: ast.BoolOp) -> tuple[ExpressionType, _Fn]:
        conjunction = isinstance(node.op, ast.And)
        word = "and" if conjunction else "or"
        operands = [self.typed(value, ExpressionType.BOOL, word) for value in node.values]

        def combine(resolver: Resolver) -> bool:
            for operand in operands:  # short-circuit: later operands may rely on has(...)
                if operand(resolver) is not conjunction:
                    return not conjunction
            return conjunction

        return ExpressionType.BOOL, combine

    def compare(self, node: ast.Compare) -> tuple[ExpressionType, _Fn]:
        operands = [self.compile(tree) for tree in (node.left, *node.comparators)]
        fns = [operand.fn for operand in operands]
        tests: list[Callable[[Any, Any], bool]] = []
        for index, op in enumerate(node.ops):
            if type(op) not in _COMPARE:
                raise self.error("only < <= > >= == != can compare values", node)
            symbol, test = _COMPARE[type(op)]
            if symbol in ("==", "!="):
                self.unify(operands[index], operands[index + 1], f"{symbol} cannot compare")
            else:
                for at in (index, index + 1):
                    fns[at] = self.typed(operands[at], ExpressionType.NUMBER, symbol)
            tests.append(test)
        if len(tests) == 1:
            (first, second), only = fns, tests[0]
            return ExpressionType.BOOL, lambda r: only(first(r), second(r))

        def chain(resolver: Resolver) -> bool:
            left = fns[0](resolver)
            for test, fn in zip(tests, fns[1:], strict=True):
                right = fn(resolver)  # each operand is evaluated at most once, as in Python
                if not test(left, right):
                    return False
                left = right
            return True

        return ExpressionType.BOOL, chain

    def conditional(self, node: ast.IfExp) -> tuple[ExpressionType, _Fn]:
        body = self.compile(node.body)  # in source order, so references are in reading order
        test = self.typed(node.test, ExpressionType.BOOL, "if")
        orelse = self.compile(node.orelse)
        type_, yes, no = self.unify(body, orelse, "if/else cannot mix"), body.fn, orelse.fn
        return type_, lambda r: yes(r) if test(r) else no(r)

    def call(self, node: ast.Call) -> tuple[ExpressionType, _Fn]:
        if not isinstance(node.func, ast.Name):
            raise self.error("only the built-in functions can be called, like floor(x)", node)
        name, count = node.func.id, len(node.args)
        if name not in _ARITY:
            hint = _suggest(name, list(_ARITY)) or f"; the functions are {', '.join(_ARITY)}"
            raise self.error(f"unknown function '{name}'{hint}", node)
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            raise self.error(f"{name} takes plain arguments only, like {name}(x)", node)
        least, most = _ARITY[name]
        if count < least or (most and count > most):
            wanted = f"{least} or {most}" if most > least else str(least)
            wanted = wanted if most else f"at least {least}"
            raise self.error(f"{name} takes {wanted} argument(s), got {count}", node)
        if name in ("has", "default"):
            return self.presence(node, name)
        args = [self.typed(arg, ExpressionType.NUMBER, name) for arg in node.args]
        return ExpressionType.NUMBER, _function(name, args)

    def presence(self, node: ast.Call, name: str) -> tuple[ExpressionType, _Fn]:
        target = node.args[0]
        if not isinstance(target, ast.Name | ast.Attribute) or self.label(target) in BOOL_WORDS:
            message = f"{name} needs a name as its first argument, like event.weight_kg"
            raise self.error(message, target)
        path, declared = self.lookup(target)
        if name == "has":
            return ExpressionType.BOOL, lambda r: r.resolve(path) is not None
        fallback = self.compile(node.args[1])
        otherwise = fallback.fn

        def value_or_default(resolver: Resolver) -> Value:
            value = resolver.resolve(path)
            return otherwise(resolver) if value is None else _admit(path, value, declared)

        type_ = self.unify(_Node(declared, otherwise, target), fallback, "default cannot mix")
        return type_, value_or_default


def _constant(value: Value) -> _Fn:
    return lambda _resolver: value


def _function(name: str, args: list[_Fn]) -> _Fn:
    if name in ("min", "max"):
        pick = min if name == "min" else max
        return lambda r: pick([arg(r) for arg in args])
    if name == "clamp":
        x, low, high = args
        return lambda r: min(max(x(r), low(r)), high(r))
    if len(args) == 2:
        x, digits = args
        return lambda r: _round_to(x(r), digits(r))
    unary, x = _UNARY[name], args[0]
    return lambda r: unary(x(r))


def _suggest(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def compile_expression(
    source: str, scope: Scope, expect: ExpressionType = ExpressionType.ANY
) -> CompiledExpression:
    """Check `source` against `scope` and turn it into something fast to evaluate.

    Raises ExpressionError, with a position where there is one, for anything to fix.
    """
    if len(source) > MAX_SOURCE_LENGTH:
        message = f"the expression is too long: {len(source)} characters"
        message += f", at most {MAX_SOURCE_LENGTH}"
        raise ExpressionError(message, source=source, position=MAX_SOURCE_LENGTH)
    if not source.strip():
        raise ExpressionError("the expression is empty", source=source, position=0)
    tree, text, shift = parse(source)
    compiler = _Compiler(source, text, shift, scope)
    check_size(tree.body, source, compiler.error)
    root = compiler.compile(tree.body)
    type_, fn = root.type, root.fn
    if expect is not ExpressionType.ANY and type_ is not expect:
        if type_ is not ExpressionType.ANY:
            message = f"the expression must give {_SAYS[expect]}, but it gives {_SAYS[type_]}"
            raise compiler.error(message, tree.body)
        type_, fn = expect, _checked(fn, expect, compiler.label(tree.body))
    return CompiledExpression(source, type_, tuple(compiler.references), fn)
