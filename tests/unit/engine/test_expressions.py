"""engine.expressions: the safe expression language designers write conditions and amounts in."""

from __future__ import annotations

import builtins
import contextlib
import operator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from questline.engine.expressions import (
    CompiledExpression,
    EvaluationError,
    ExpressionError,
    ExpressionType,
    Scope,
    Value,
    coerce_value,
    compile_expression,
)

NUMBER, BOOL, STRING, ANY = (
    ExpressionType.NUMBER,
    ExpressionType.BOOL,
    ExpressionType.STRING,
    ExpressionType.ANY,
)
SCOPE = Scope(
    names={
        "total": NUMBER,
        "currency.xp": NUMBER,
        "currency.gems": NUMBER,
        "metric.passed": NUMBER,
        "metric.passed.week": NUMBER,
        "player.level": NUMBER,
    },
    open_namespaces=frozenset({"event", "item"}),
)


class Values:
    """A resolver over a plain dict that remembers what was asked of it."""

    def __init__(self, values: dict[str, Any] | None = None) -> None:
        self.values = values or {}
        self.reads: list[str] = []

    def resolve(self, path: str) -> Any:
        self.reads.append(path)
        return self.values.get(path)


def compiled(source: str, expect: ExpressionType = ANY) -> CompiledExpression:
    return compile_expression(source, SCOPE, expect)


def run(source: str, values: dict[str, Any] | None = None, expect: ExpressionType = ANY) -> Value:
    return compiled(source, expect).evaluate(Values(values))


def rejected(source: str, expect: ExpressionType = ANY) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        compiled(source, expect)
    return caught.value


def failed(source: str, values: dict[str, Any] | None = None) -> EvaluationError:
    with pytest.raises(EvaluationError) as caught:
        run(source, values)
    return caught.value


# --- the formulas designs are made of ----------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "level"), [(0, 1), (99, 1), (100, 2), (399, 2), (400, 3), (900, 4), (1600, 5)]
)
def test_the_level_formula_gives_exact_levels_at_the_boundaries(total: int, level: int) -> None:
    formula = compile_expression("floor(sqrt(total / 100)) + 1", SCOPE, NUMBER)
    assert formula.evaluate(Values({"total": Decimal(total)})) == level
    assert formula.type is NUMBER
    assert formula.references == ("total",)


@pytest.mark.parametrize(("score", "amount"), [(100, 100), (85, 85)])
def test_an_amount_scales_item_xp_by_the_score(score: int, amount: int) -> None:
    values = {"item.xp": Decimal(100), "event.score": Decimal(score)}
    assert run("item.xp * event.score / 100", values, NUMBER) == amount


def test_decimal_literals_are_exact() -> None:
    assert run("1.15 * 100") == 115
    assert run("1.15 * 100 == 115") is True
    assert run("0.1 + 0.2 == 0.3") is True
    assert run("1_000 + 0.5") == Decimal("1000.5")


def test_numbers_are_decimals_and_comparisons_are_booleans() -> None:
    assert isinstance(run("7"), Decimal)
    assert run("3 > 2") is True
    assert run("true") is True
    assert run("False") is False
    assert run("'squat'") == "squat"
    assert run('"squat"') == "squat"


def test_division_is_exact_decimal_division() -> None:
    assert run("1 / 4") == Decimal("0.25")
    assert run("1 / 3 * 3") == Decimal("0.9999999999999999999999999999999999")


def test_floor_division_and_modulo_follow_python() -> None:
    assert run("-7 // 2") == -4
    assert run("-7 % 2") == 1
    assert run("7 % -2") == -1
    assert run("7.5 // 2") == 3


def test_the_exponent_can_be_a_small_literal() -> None:
    assert run("2 ** 10") == 1024
    assert run("2 ** -2") == Decimal("0.25")
    assert run("9 ** 0.5") == 3
    assert run("0 ** 0") == 1


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("min(3, 1, 2)", 1),
        ("max(3, 1, 2)", 3),
        ("max(5)", 5),
        ("floor(-1.5)", -2),
        ("ceil(-1.5)", -1),
        ("ceil(1.2)", 2),
        ("round(2.5)", 3),
        ("round(-2.5)", -3),
        ("round(2.4)", 2),
        ("round(1.005, 2)", Decimal("1.01")),
        ("round(1.5, 3)", Decimal("1.5")),
        ("round(1234, -2)", 1200),
        ("sqrt(9)", 3),
        ("sqrt(2) > 1.414", True),
        ("abs(-4.5)", Decimal("4.5")),
        ("clamp(15, 0, 10)", 10),
        ("clamp(-5, 0, 10)", 0),
        ("clamp(5, 0, 10)", 5),
    ],
)
def test_the_built_in_functions(source: str, expected: Value) -> None:
    assert run(source) == expected


def test_floor_and_sqrt_give_integral_decimals() -> None:
    assert run("floor(sqrt(400 / 100))") == 2
    for source in ("sqrt(400 / 100)", "floor(2.7)", "ceil(2.1)", "round(2.5)"):
        value = run(source)
        assert isinstance(value, Decimal)
        assert value.as_tuple().exponent == 0, source


def test_boolean_logic_and_conditionals() -> None:
    assert run("not (1 > 2) and (1 > 2 or 2 > 1)") is True
    assert run("10 if 1 < 2 else 20") == 10
    assert run("10 if 1 > 2 else 20") == 20
    assert run("currency.xp >= 100", {"currency.xp": Decimal(150)}) is True


@pytest.mark.parametrize(("x", "inside"), [(-1, False), (0, True), (9.5, True), (10, False)])
def test_chained_comparisons_read_like_maths(x: float, inside: bool) -> None:
    assert run("0 <= event.x < 10", {"event.x": coerce_value(x)}) is inside


def test_a_chained_comparison_reads_each_operand_once() -> None:
    values = Values({"event.x": Decimal(5)})
    assert compiled("0 < event.x < 10 <= 10").evaluate(values) is True
    assert values.reads == ["event.x"]


def test_equality_compares_text_numbers_and_flags_without_mixing_them() -> None:
    assert run("event.exercise == 'squat'", {"event.exercise": "squat"}) is True
    assert run("event.exercise != 'squat'", {"event.exercise": "plank"}) is True
    assert run("event.n == 2.0", {"event.n": Decimal(2)}) is True
    # Python says True == 1; for a designer a flag is not a number.
    assert run("event.flag == 1", {"event.flag": True}) is False
    assert run("event.flag != 1", {"event.flag": True}) is True
    assert run("event.flag == true", {"event.flag": True}) is True


def test_dotted_names_resolve_to_whole_paths() -> None:
    values = Values({"metric.passed.week": Decimal(3), "metric.passed": Decimal(10)})
    expression = compiled("metric.passed.week * 2 + metric.passed")
    assert expression.evaluate(values) == 16
    assert values.reads == ["metric.passed.week", "metric.passed"]


# --- has() and default() -----------------------------------------------------------------------


def test_has_tells_whether_a_value_is_present() -> None:
    assert run("has(event.weight_kg)", {"event.weight_kg": Decimal(40)}) is True
    assert run("has(event.weight_kg)") is False
    assert compiled("has(event.weight_kg)").type is BOOL


def test_default_gives_the_value_or_the_fallback() -> None:
    assert run("default(event.weight_kg, 0) > 40", {"event.weight_kg": Decimal(50)}) is True
    assert run("default(event.weight_kg, 0)") == 0
    assert run("default(event.reps, 0) * default(event.sets, 1)", {"event.reps": 10}) == 10
    assert compiled("default(currency.xp, 0)").type is NUMBER


def test_and_or_and_if_short_circuit() -> None:
    assert run("has(event.x) and event.x > 3") is False
    assert run("not has(event.x) or event.x > 3") is True
    assert run("event.a if true else event.b", {"event.a": Decimal(1)}) == 1
    assert run("event.a if false else event.b", {"event.b": Decimal(2)}) == 2


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("has(1)", "needs a name"),
        ("has(true)", "needs a name"),
        ("has(event.a + 1)", "needs a name"),
        ("default(1, 2)", "needs a name"),
        ("default(currency.xp, 'none')", "cannot mix a number with text"),
        ("has(event.a, event.b)", "takes 1 argument"),
    ],
)
def test_has_and_default_need_a_name_first(source: str, problem: str) -> None:
    assert problem in rejected(source).message


# --- references and traces ---------------------------------------------------------------------


def test_references_list_each_path_once_in_reading_order() -> None:
    expression = compiled("event.b + item.a * event.b if has(event.c) else currency.xp")
    assert expression.references == ("event.b", "item.a", "event.c", "currency.xp")


def test_a_traced_evaluation_reports_the_inputs_it_read() -> None:
    values = Values({"event.score": Decimal(85), "item.pass_score": Decimal(80)})
    value, inputs = compiled("event.score >= item.pass_score").evaluate_traced(values)
    assert value is True
    assert inputs == {"event.score": 85, "item.pass_score": 80}
    assert list(inputs) == ["event.score", "item.pass_score"]


def test_a_trace_records_missing_inputs_as_none_and_skips_unread_ones() -> None:
    expression = compiled("default(item.pass_score, 70) <= event.score or event.bonus > 0")
    value, inputs = expression.evaluate_traced(Values({"event.score": 85}))
    assert value is True
    assert inputs == {"item.pass_score": None, "event.score": Decimal(85)}


def test_resolvers_may_hand_over_plain_json_values() -> None:
    assert run("event.n + 1", {"event.n": 5}) == 6
    assert run("event.n * 100", {"event.n": 1.15}) == 115
    assert run("event.ok and true", {"event.ok": True}) is True


# --- what is rejected at compile time ----------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os')",
        "event.__class__",
        "().__class__",
        "[x for x in y]",
        "lambda: 1",
        "event['a']",
        "open('f')",
        "eval('1')",
        "2 ** 100000",
        "2 ** 11",
        "2 ** event.n",
        "2 ** true",
        "f'{event.a}'",
        "(y := 1)",
        "[1, 2]",
        "{'a': 1}",
        "(1, 2)",
        "None",
        "1j",
        "b'x'",
        "~1",
        "1 << 2",
        "1 | 2",
        "1 is 1",
        "1 in event.list",
        "floor(x=1)",
        "max(*event.list)",
        "event.a.b",
        "event.method()",
        "(lambda: 1)()",
        "1e31",
        "",
        "   ",
        "1 +",
        "min()",
        "round(1, 2, 3)",
        "clamp(1, 2)",
        "floor(1, 2)",
    ],
)
def test_anything_outside_the_language_is_an_expression_error(source: str) -> None:
    error = rejected(source)
    assert error.message
    assert error.source == source


def test_names_starting_with_double_underscore_are_never_resolved() -> None:
    assert "'__'" in rejected("event.__class__").message
    assert "'__'" in rejected("item.__dict__ + 1").message


def test_over_long_source_is_rejected() -> None:
    assert compiled("1" + " " * 999)  # exactly the limit is fine
    error = rejected("1" + " " * 1000)
    assert "too long" in error.message
    assert "1001 characters" in error.message


def test_too_many_nodes_are_rejected() -> None:
    assert run(f"max({', '.join(['1'] * 198)})") == 1  # call, name, 198 numbers: 200
    error = rejected(f"max({', '.join(['1'] * 199)})")
    assert "too long" in error.message
    assert error.position is None
    assert str(error) == error.message


def test_too_deep_nesting_is_rejected() -> None:
    assert run("-" * 31 + "1") == -1  # 32 levels
    assert "nested too deeply" in rejected("-" * 32 + "1").message
    # A long sum nests too: a + b + c is (a + b) + c.
    assert run(" + ".join(["1"] * 32)) == 32
    assert "nested too deeply" in rejected(" + ".join(["1"] * 33)).message


def test_unknown_names_suggest_a_close_match() -> None:
    error = rejected("currency.gold + 1")
    assert error.message == "unknown name 'currency.gold'; did you mean 'currency.gems'?"
    assert error.position == 0
    assert "did you mean 'event.score'?" in rejected("evnt.score > 1").message
    assert rejected("1 + zzz").message == "unknown name 'zzz'"


def test_a_bare_open_namespace_asks_for_a_property() -> None:
    assert "needs a property name" in rejected("event > 1").message


def test_unknown_functions_suggest_a_close_match_or_list_the_functions() -> None:
    assert "did you mean 'sqrt'?" in rejected("sqr(4)").message
    message = rejected("open('f')").message
    assert message.startswith("unknown function 'open'; the functions are floor, ceil")


@pytest.mark.parametrize(
    ("source", "position", "words"),
    [
        ("1 + 'a'", 4, "+ needs a number, but 'a' is text"),
        ("currency.xp and true", 0, "and needs true or false, but currency.xp is a number"),
        ("true and 1", 9, "and needs true or false"),
        ("'a' < 3", 0, "< needs a number"),
        ("'a' + 'b'", 0, "+ needs a number"),
        ("not 3", 4, "not needs true or false"),
        ("-true", 1, "- needs a number"),
        ("floor('a')", 6, "floor needs a number"),
        ("true == 1", 8, "== cannot compare true or false with a number"),
        ("1 if 2 else 3", 5, "if needs true or false"),
        ("1 if true else 'a'", 15, "if/else cannot mix a number with text"),
        ("1 < 2 < 'x'", 8, "< needs a number"),
        ("  1 + 'a'", 6, "+ needs a number"),
        ("'é' == ab", 7, "unknown name 'ab'"),
        ("1 +", 3, "syntax error"),
        ("(1 + 2", 0, "syntax error"),
        ("2 ** 11", 5, "exponent"),
    ],
)
def test_compile_errors_point_at_the_problem(source: str, position: int, words: str) -> None:
    error = rejected(source)
    assert words in error.message
    assert error.position == position
    assert str(error) == f"{error.message} at position {position}"


def test_the_expression_must_give_the_expected_type() -> None:
    assert "must give a number, but it gives true or false" in rejected("1 < 2", NUMBER).message
    assert "must give a number" in rejected("true", NUMBER).message
    assert "must give true or false" in rejected("1 + 1", BOOL).message
    assert compiled("'a'", STRING).type is STRING
    assert compiled("1 < 2", ANY).type is BOOL


def test_an_open_value_takes_the_expected_type_and_is_checked_at_runtime() -> None:
    expression = compiled("event.passed", BOOL)
    assert expression.type is BOOL
    assert expression.evaluate(Values({"event.passed": True})) is True
    with pytest.raises(EvaluationError, match=r"expected true or false for event\.passed"):
        expression.evaluate(Values({"event.passed": Decimal(85)}))


# --- what fails at evaluation time -------------------------------------------------------------


@pytest.mark.parametrize("source", ["10 / event.n", "10 // event.n", "10 % event.n", "0 / event.n"])
def test_division_by_zero_is_an_evaluation_error(source: str) -> None:
    error = failed(source, {"event.n": Decimal(0)})
    assert error.message == "division by zero"
    assert error.source == source
    assert str(error) == "division by zero"


def test_zero_to_a_negative_power_is_division_by_zero() -> None:
    assert failed("event.n ** -1", {"event.n": 0}).message == "division by zero"


def test_a_missing_name_is_an_evaluation_error() -> None:
    assert failed("event.reps * 2").message == "event.reps is missing"
    assert failed("currency.xp + 1").message == "currency.xp is missing"


@pytest.mark.parametrize(
    ("source", "values", "message"),
    [
        (
            "event.score + 1",
            {"event.score": "abc"},
            "expected a number for event.score, got string 'abc'",
        ),
        ("event.score > 1", {"event.score": True}, "expected a number for event.score, got true"),
        (
            "event.ok and true",
            {"event.ok": Decimal(3)},
            "expected true or false for event.ok, got number 3",
        ),
        ("floor(event.x)", {"event.x": "1.5"}, "expected a number for event.x, got string '1.5'"),
        ("total + 1", {"total": "lots"}, "expected a number for total, got string 'lots'"),
        (
            "event.tags == 'a'",
            {"event.tags": ["a"]},
            "event.tags is not a number, text or true/false",
        ),
    ],
)
def test_a_value_of_the_wrong_kind_is_an_evaluation_error(
    source: str, values: dict[str, Any], message: str
) -> None:
    assert failed(source, values).message == message


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("sqrt(event.n)", "square root of a negative number (-4)"),
        ("event.n ** 0.5", "cannot raise a negative number (-4) to a fractional power"),
        ("round(1.5, event.n / 8)", "round needs a whole number of digits up to 20"),
        ("round(1.5, event.n * 10)", "round needs a whole number of digits up to 20"),
    ],
)
def test_impossible_maths_is_an_evaluation_error(source: str, message: str) -> None:
    assert failed(source, {"event.n": Decimal(-4)}).message == message


@pytest.mark.parametrize(
    "source",
    ["event.n * event.n", "event.n ** 2", "event.n * 10 ** 10 * 10 ** 10", "-event.n * event.n"],
)
def test_results_beyond_ten_to_the_thirty_are_too_large(source: str) -> None:
    assert failed(source, {"event.n": Decimal("1e20")}).message == "result too large"


def test_large_but_allowed_results_are_exact() -> None:
    assert run("event.n * 10 ** 10", {"event.n": Decimal(10**20)}) == 10**30


def test_an_input_beyond_the_limit_is_too_large_even_unchanged() -> None:
    assert failed("event.n", {"event.n": Decimal("1e31")}).message == "result too large"
    assert run("event.n > 0", {"event.n": Decimal("1e31")}) is True


def test_nothing_is_ever_run_through_eval_or_exec(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec used")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert run("floor(sqrt(total / 100)) + 1 if has(total) else 0", {"total": 400}) == 3


# --- coerce_value ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (True, True),
        (False, False),
        (3, Decimal(3)),
        (1.15, Decimal("1.15")),
        ("squat", "squat"),
        (None, None),
        ([1], None),
        ({"a": 1}, None),
        (float("nan"), None),
        (float("inf"), None),
        (Decimal("2.5"), Decimal("2.5")),
    ],
)
def test_coerce_value_turns_json_into_values(raw: object, value: Value | None) -> None:
    coerced = coerce_value(raw)
    assert coerced == value
    assert type(coerced) is type(value)  # True stays a bool, never Decimal(1)


# --- properties --------------------------------------------------------------------------------

INTEGER_OPS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "//": operator.floordiv,
    "%": operator.mod,
}
integers = st.integers(min_value=-(10**9), max_value=10**9)


@given(
    a=integers,
    b=integers,
    c=integers,
    first=st.sampled_from(list(INTEGER_OPS)),
    second=st.sampled_from(list(INTEGER_OPS)),
)
def test_integer_arithmetic_matches_python(a: int, b: int, c: int, first: str, second: str) -> None:
    source = f"(({a}) {first} ({b})) {second} ({c})"
    try:
        expected = INTEGER_OPS[second](INTEGER_OPS[first](a, b), c)
    except ZeroDivisionError:
        with pytest.raises(EvaluationError, match="division by zero"):
            run(source)
        return
    assert run(source) == expected


@given(a=integers, b=integers, op=st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
def test_integer_comparisons_match_python(a: int, b: int, op: str) -> None:
    python = {
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
        "==": operator.eq,
        "!=": operator.ne,
    }
    assert run(f"{a} {op} {b}") is python[op](a, b)


@given(a=integers, b=integers.filter(bool))
def test_division_is_correct_to_thirty_four_digits(a: int, b: int) -> None:
    quotient = run(f"({a}) / ({b})")
    assert isinstance(quotient, Decimal)
    assert abs(Fraction(quotient) - Fraction(a, b)) <= abs(Fraction(a, b)) / 10**33


@given(st.text(max_size=80))
def test_compiling_arbitrary_text_only_ever_raises_expression_errors(source: str) -> None:
    with contextlib.suppress(ExpressionError):
        compiled(source)


TOKENS = [
    "event.score", "item.xp", "total", "currency.gems", "metric.passed.week", "0", "1", "2.5",
    "-3", "'a'", "true", "false", "(", ")", ",", "+", "-", "*", "/", "//", "%", "** 2", "** -1",
    "<", "<=", "==", "!=", "and", "or", "not", "if", "else", "floor(", "sqrt(", "min(", "max(",
    "round(", "clamp(", "has(", "default(", "abs(", "ceil(", "[", "]", ".", "__class__", "lambda",
]  # fmt: skip
runtime_values = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=3),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
)


@given(
    tokens=st.lists(st.sampled_from(TOKENS), max_size=25),
    values=st.fixed_dictionaries(
        dict.fromkeys(
            ("event.score", "item.xp", "total", "currency.gems", "metric.passed.week"),
            runtime_values,
        )
    ),
)
def test_token_soup_compiles_or_fails_cleanly_and_evaluates_or_fails_cleanly(
    tokens: list[str], values: dict[str, Any]
) -> None:
    try:
        expression = compiled(" ".join(tokens))
    except ExpressionError:
        return
    try:
        value = expression.evaluate(Values(values))
    except EvaluationError:
        return
    assert isinstance(value, Decimal | bool | str)
    if isinstance(value, Decimal):
        assert abs(value) <= Decimal("1e30")
