"""Values, types, errors and the compiled form of expressions: what evaluation needs."""

from __future__ import annotations

import decimal
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, TypeAlias, overload

Value: TypeAlias = Decimal | bool | str

MAX_SOURCE_LENGTH = 1000
MAX_NODES = 200
MAX_DEPTH = 32
MAX_EXPONENT = 10
MAX_ROUND_DIGITS = 20
LIMIT = Decimal("1e30")
BOOL_WORDS = ("true", "false")

_TRAPS = [decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow]
_CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN, traps=_TRAPS)


class ExpressionType(StrEnum):
    NUMBER = "number"
    BOOL = "bool"
    STRING = "string"
    ANY = "any"


_SAYS = {"number": "a number", "bool": "true or false", "string": "text", "any": "anything"}


@dataclass(frozen=True)
class Scope:
    """The names an expression may read, and what they hold."""

    names: Mapping[str, ExpressionType] = field(default_factory=dict)
    # Members of these are only known at runtime: `event.<one segment>` is allowed, typed ANY.
    open_namespaces: frozenset[str] = frozenset()


class ExpressionError(ValueError):
    """The text is not a valid expression for its scope: a design-time problem."""

    def __init__(self, message: str, *, source: str, position: int | None) -> None:
        super().__init__(message)
        self.message, self.source, self.position = message, source, position

    def __str__(self) -> str:
        where = "" if self.position is None else f" at position {self.position}"
        return self.message + where


class EvaluationError(Exception):
    """A valid expression could not be evaluated for this input."""

    def __init__(self, message: str, *, source: str) -> None:
        super().__init__(message)
        self.message, self.source = message, source


class _StepError(Exception):
    """Raised inside closures, which do not know the source; `evaluate` adds it."""


class Resolver(Protocol):
    def resolve(self, path: str) -> Value | None: ...


# Internal closures; the compiler's static types say what each one returns.
_Fn: TypeAlias = Callable[[Resolver], Any]


def coerce_value(raw: object) -> Value | None:
    """JSON-ish input to a Value; None for missing or unsupported (lists, objects, NaN)."""
    if isinstance(raw, bool | str):  # bool first: it is an int too
        return raw
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw)) if math.isfinite(raw) else None
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    return None


@overload
def plain_value(value: Decimal) -> int | str: ...
@overload
def plain_value(value: Value | None) -> int | str | bool | None: ...
def plain_value(value: Value | None) -> int | str | bool | None:
    """A Value as JSON keeps it exact: a whole number as a number, a fraction as a string
    ("1.25"), so a breakdown never shows a float's rounding."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value.normalize())
    return value


@dataclass(frozen=True)
class CompiledExpression:
    source: str
    type: ExpressionType
    references: tuple[str, ...]
    _fn: _Fn = field(repr=False, compare=False)

    def evaluate(self, resolver: Resolver) -> Value:
        try:
            result: Value = self._fn(resolver)
            if not isinstance(result, Decimal) or result.copy_abs() <= LIMIT:
                return result
            message = "result too large"  # an input passed through unchanged, say
        except _StepError as error:
            message = str(error)
        except decimal.DivisionByZero:
            message = "division by zero"
        except (decimal.Overflow, decimal.InvalidOperation):
            # Designer-reachable invalid operations are pre-checked with clearer messages; what
            # is left is a quotient too long for 34 digits, far beyond LIMIT anyway.
            message = "result too large"
        raise EvaluationError(message, source=self.source)

    def evaluate_traced(self, resolver: Resolver) -> tuple[Value, dict[str, Value | None]]:
        tracer = _Tracer(resolver)
        return self.evaluate(tracer), tracer.seen


class _Tracer:
    def __init__(self, inner: Resolver) -> None:
        self.inner = inner
        self.seen: dict[str, Value | None] = {}

    def resolve(self, path: str) -> Value | None:
        value = self.inner.resolve(path)
        self.seen[path] = coerce_value(value)
        return value


def _kind(value: Value) -> ExpressionType:
    if isinstance(value, bool):
        return ExpressionType.BOOL
    return ExpressionType.NUMBER if isinstance(value, Decimal) else ExpressionType.STRING


def _describe(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"number {value}" if isinstance(value, Decimal) else f"string {_shorten(repr(value))}"


def _shorten(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _admit(path: str, raw: object, declared: ExpressionType) -> Value:
    """A resolved value, checked: resolvers are outside code and may hand over anything."""
    value = coerce_value(raw)
    if value is None:
        raise _StepError(f"{path} is not a number, text or true/false")
    if declared is not ExpressionType.ANY and _kind(value) is not declared:
        raise _StepError(f"expected {_SAYS[declared]} for {path}, got {_describe(value)}")
    return value


def _checked(fn: _Fn, want: ExpressionType, label: str) -> _Fn:
    def check(resolver: Resolver) -> Value:
        value: Value = fn(resolver)
        if _kind(value) is want:
            return value
        raise _StepError(f"expected {_SAYS[want]} for {label}, got {_describe(value)}")

    return check


def _bounded(value: Decimal) -> Decimal:
    if value.copy_abs() > LIMIT:
        raise _StepError("result too large")
    return value


def _nonzero(divisor: Decimal) -> Decimal:
    if not divisor:  # checked, because Decimal calls 0 / 0 an invalid operation instead
        raise _StepError("division by zero")
    return divisor


def _floor_divmod(a: Decimal, b: Decimal) -> tuple[Decimal, Decimal]:
    # Decimal's // and % truncate toward zero; designers get Python's floor semantics.
    quotient, remainder = _CONTEXT.divmod(a, _nonzero(b))
    if remainder and (remainder < 0) != (b < 0):
        return _CONTEXT.subtract(quotient, 1), _CONTEXT.add(remainder, b)
    return quotient, remainder


def _sqrt(x: Decimal) -> Decimal:
    if x < 0:
        raise _StepError(f"square root of a negative number ({x})")
    return _CONTEXT.sqrt(x)


def _round_to(x: Decimal, digits: Decimal) -> Decimal:
    if digits != digits.to_integral_value() or digits.copy_abs() > MAX_ROUND_DIGITS:
        raise _StepError(f"round needs a whole number of digits up to {MAX_ROUND_DIGITS}")
    exponent = x.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -int(digits):
        return x  # already that precise; quantizing could only add digits
    return x.quantize(Decimal((0, (1,), -int(digits))), decimal.ROUND_HALF_UP, _CONTEXT)


def _equal(a: Value, b: Value) -> bool:
    # Python says True == 1; a designer comparing a flag with a number means something else.
    return _kind(a) is _kind(b) and a == b
