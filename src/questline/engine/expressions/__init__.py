"""A small, safe expression language for game designs: conditions, amounts and formulas.

`compile_expression` checks an expression against the names a design declares and
turns it into closures once per design version; `CompiledExpression.evaluate` runs it.
"""

from questline.engine.expressions.compiler import compile_expression
from questline.engine.expressions.values import (
    CompiledExpression,
    EvaluationError,
    ExpressionError,
    ExpressionType,
    Resolver,
    Scope,
    Value,
    coerce_value,
    plain_value,
)

__all__ = [
    "CompiledExpression",
    "EvaluationError",
    "ExpressionError",
    "ExpressionType",
    "Resolver",
    "Scope",
    "Value",
    "coerce_value",
    "compile_expression",
    "plain_value",
]
