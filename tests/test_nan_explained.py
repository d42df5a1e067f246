"""NaN explained: a NaN or infinity report says which of NaN or infinity it is, the
operands' values and the rule that broke, at the expression that made it, once per
root cause (engine/domains.py, engine/nonfinite.py, lang/nanreport.py).

Expected texts are the rules of calculus and IEEE 754 written out by hand (sqrt of a
negative number is NaN, log(0) = -inf, exp overflows past ln(1.797e308) = 709.78...),
not read back from the code; each case is run as a warning and under --strict.
"""
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from gradcli.cli import cli
from gradcli.lang.errors import GxNumericError
from gradcli.session import Options, Session


def run(src, strict=False):
    warns = []
    s = Session(Options(strict=strict), on_warning=warns.append)
    with np.errstate(all="ignore"):
        s.run(src, "t.gx")
    return s, warns


# (script, expected words of the rule, NaN or inf, the column of the expression)
FORWARD = [
    # sqrt and rsqrt: x >= 0
    ("x = 1.0\ny = sqrt(x - 2)\n", "argument -1.0 < 0 (sqrt needs x >= 0)", "nan", 5),
    ("y = sqrt(tensor(-4.0))\n", "argument -4.0 < 0", "nan", 5),
    ("y = rsqrt(tensor(0.0))\n", "rsqrt(0) = 1 / sqrt(0): division by zero", "inf", 5),
    ("y = rsqrt(tensor(-1.0))\n", "argument -1.0 < 0 (rsqrt needs x > 0)", "nan", 5),
    # the logarithms: x > 0, log(0) = -inf
    ("y = log(0)\n", "log(0) = -inf", "-inf", 5),
    ("y = log(tensor(-1.0))\n", "argument -1.0 < 0 (log needs x > 0)", "nan", 5),
    ("y = log2(tensor(0.0))\n", "log2(0) = -inf", "-inf", 5),
    ("y = log10(tensor(-2.5))\n", "argument -2.5 < 0 (log10 needs x > 0)", "nan", 5),
    ("y = log1p(tensor(-1.0))\n", "log1p(-1.0) = -inf", "-inf", 5),
    ("y = log1p(tensor(-3.0))\n", "argument -3.0 < -1 (log1p needs x > -1)", "nan", 5),
    # inverse trigonometric and hyperbolic functions: their domains
    ("y = acos(1.5)\n", "argument 1.5 outside [-1, 1]", "nan", 5),
    ("y = asin(tensor(-2.0))\n", "argument -2.0 outside [-1, 1]", "nan", 5),
    ("y = atanh(tensor(1.0))\n", "atanh(1.0) = inf", "inf", 5),
    ("y = erfinv(tensor(-1.0))\n", "erfinv(-1.0) = -inf", "-inf", 5),
    ("y = acosh(tensor(0.5))\n", "argument 0.5 < 1 (acosh needs x >= 1)", "nan", 5),
    # exponentials overflow past ln(max) = 709.78, log2(max) = 1024, ln(2 max) = 710.48
    ("y = exp(1000)\n", "overflow: argument 1000 > 709.783", "inf", 5),
    ("y = exp2(tensor(1500.0))\n", "overflow: argument 1500.0 > 1024", "inf", 5),
    ("y = expm1(tensor(800.0))\n", "overflow: argument 800.0 > 709.783", "inf", 5),
    ("y = cosh(tensor(711.0))\n", "overflow: argument 711.0 > 710.476", "inf", 5),
    ("y = sinh(tensor(-711.0))\n", "overflow: argument -711.0 > 710.476", "-inf", 5),
    # division
    ("y = tensor(0.0) / tensor(0.0)\n", "0 / 0 is undefined", "nan", 17),
    ("y = tensor(1.0) / 0\n", "division by zero (1.0 / 0)", "inf", 17),
    ("y = tensor(-3.0) / tensor(0.0)\n", "division by zero (-3.0 / 0)", "-inf", 18),
    ("y = reciprocal(tensor(0.0))\n", "division by zero (1 / 0.0)", "inf", 5),
    ("y = tensor(1e308) / 1e-10\n", "overflow: 1e+308 / 1e-10 exceeds the largest float", "inf", 19),
    # powers
    ("y = tensor(-8.0) ** (1 / 3)\n", "negative base -8.0 to the non-integer power 0.333333",
     "nan", 18),
    ("y = tensor(0.0) ** -1\n", "0 to the negative power -1: division by zero", "inf", 17),
    ("y = tensor(10.0) ** 400\n", "overflow: 10.0 ** 400 exceeds the largest float", "inf", 18),
    # sums and products overflow; infinities that meet
    ("y = tensor(1e308) * 10\n", "overflow: 1e+308 * 10 exceeds the largest float", "inf", 19),
    ("y = tensor(1e308) + 1e308\n", "overflow: 1e+308 + 1e+308", "inf", 19),
    ("y = tensor(-1e308) - 1e308\n", "overflow: -1e+308 - 1e+308", "-inf", 20),
    ("y = tensor(inf) - inf\n", "inf - inf is undefined", "nan", 17),
    ("y = tensor(0.0) * inf\n", "0.0 * inf is undefined", "nan", 17),
    ("y = tensor(inf) / inf\n", "inf / inf is undefined", "nan", 17),
    ("y = sum(tensor([1e308, 1e308]))\n", "overflow: the result exceeds the largest float",
     "inf", 5),
    # (an int the script wrote shows as an int: 1000, not 1000.0)
    # Python numbers (no tensor): the same rules, in the operator's words
    ("y = inf - inf\n", "inf - inf is undefined", "nan", 9),
    ("y = 0 * inf\n", "0 * inf is undefined", "nan", 7),
    ("y = 1.0 / 0\n", "division by zero (1.0 / 0)", "inf", 9),
    ("y = 0 / 0\n", "0 / 0 is undefined", "nan", 7),
    ("y = (-8) ** (1 / 3)\n", "negative base -8.0 to the non-integer power 0.333333", "nan", 10),
    ("y = 1e308 * 10\n", "overflow: 1e+308 * 10", "inf", 11),
]

WORD = {"nan": "NaN", "inf": "inf", "-inf": "-inf"}


@pytest.mark.parametrize("src,rule,kind,col", FORWARD, ids=[c[0].splitlines()[-1] for c in FORWARD])
def test_forward_rule_is_named(src, rule, kind, col):
    _, warns = run(src)
    assert len(warns) == 1, [w.message for w in warns]
    w = warns[0]
    assert f"produced {WORD[kind]}: " in w.message and rule in w.message, w.message
    last = src.count("\n")
    assert (w.line, w.col) == (last, col)
    with pytest.raises(GxNumericError) as ei:
        run(src, strict=True)
    assert ei.value.message == w.message and (ei.value.line, ei.value.col) == (last, col)


@pytest.mark.parametrize("src,rule,kind,col", [c for c in FORWARD if "tensor" in c[0] or "(" in c[0]
                                                and "sum" not in c[0]][:20])
def test_forward_operand_values_are_in_the_fields(src, rule, kind, col):
    """The JSON fields say the same: which non-finite value, the rule, the operands."""
    _, warns = run(src)
    d = warns[0].details
    if d is None:                   # a Python-number operator: the text only
        return
    assert d["nonfinite"] == kind and d["rule"] in warns[0].message and d["root"] is True
    assert d["phase"] == "forward" and d["count"] == 1
    assert all(v is None or isinstance(v, (float, str)) for v in d["operands"].values())


def test_operand_values_of_a_binary_op():
    _, warns = run("a = tensor(2.5)\nb = tensor(0.0)\ny = a / b\n")
    assert warns[0].details["operands"] == {"a": 2.5, "b": 0.0}
    assert warns[0].message == ("'div' produced inf: division by zero (2.5 / 0); "
                                "with a = 2.5, b = 0.0")


# ------------------------------------------------------------------------ tensors

def test_tensor_first_offending_element_and_count():
    _, warns = run("y = log(tensor([1.0, -1.0, 0.0, -2.0]))\n")
    (w,) = warns
    assert w.message.startswith("'log' produced NaN at [1] (3 of 4 elements not finite): "
                                "argument -1.0 < 0")
    d = w.details
    assert (d["index"], d["count"], d["size"], d["operands"]) == ([1], 3, 4, {"x": -1.0})


def test_tensor_index_is_a_full_index_in_two_dimensions():
    _, warns = run("y = sqrt(tensor([[1.0, 2.0], [-3.0, 4.0]]))\n")
    assert "at [1, 0] (1 of 4 elements not finite): argument -3.0 < 0" in warns[0].message


def test_broadcast_operands_are_read_at_the_element():
    _, warns = run("a = tensor([[1.0], [2.0]])\nb = tensor([1.0, 0.0, 3.0])\ny = a / b\n")
    d = warns[0].details
    assert d["index"] == [0, 1] and d["operands"] == {"a": 1.0, "b": 0.0}
    assert d["count"] == 2


def test_the_new_element_is_shown_not_one_passed_on():
    """Element 0 was already inf (given), element 1 overflows here: the report shows 1."""
    _, warns = run("y = tensor([inf, 1e308]) * 10\n")
    d = warns[0].details
    assert d["index"] == [1] and d["root"] is True and "overflow: 1e+308 * 10 " in d["rule"]


# ------------------------------------------------------------------------ backward

BACKWARD = [
    ("x = tensor(0.0, requires_grad=True)\ny = sqrt(x)\ny.backward()\n",
     "the derivative d/dx sqrt(x) = 1/(2*sqrt(x)) is infinite at x = 0.0", "inf", 2),
    ("x = tensor(0.0, requires_grad=True)\ny = x ** 0.5\ny.backward()\n",
     "the derivative d/dx x**c = c*x**(c - 1) is infinite at x = 0.0 (the power c = 0.5 "
     "is below 1)", "inf", 2),
    ("x = tensor(1.0, requires_grad=True)\ny = asin(x)\ny.backward()\n",
     "the derivative d/dx asin(x) = 1/sqrt(1 - x**2) is infinite at x = 1.0", "inf", 2),
    ("x = tensor(-1.0, requires_grad=True)\ny = acos(x)\ny.backward()\n",
     "the derivative d/dx acos(x) = -1/sqrt(1 - x**2) is infinite at x = -1.0", "-inf", 2),
    ("x = tensor(1.0, requires_grad=True)\ny = acosh(x)\ny.backward()\n",
     "the derivative d/dx acosh(x) = 1/sqrt(x**2 - 1) is infinite at x = 1.0", "inf", 2),
    ("x = tensor([4.0, 0.0], requires_grad=True)\ny = sqrt(x).sum()\ny.backward()\n",
     "the derivative d/dx sqrt(x) = 1/(2*sqrt(x)) is infinite at x = 0.0", "inf", 2),
]


@pytest.mark.parametrize("src,rule,kind,line", BACKWARD)
def test_backward_rule_is_named(src, rule, kind, line):
    _, warns = run(src)
    assert len(warns) == 1, [w.message for w in warns]
    w = warns[0]
    assert w.message.startswith("the gradient through '") and f" is {WORD[kind]} (backward pass)" \
        in w.message and rule in w.message, w.message
    assert w.line == line and w.details["phase"] == "backward" and w.details["root"] is True
    with pytest.raises(GxNumericError) as ei:
        run(src, strict=True)
    assert ei.value.message == w.message


def test_backward_forward_cause_is_reported_once_then_the_derivative():
    """log at 0: the forward -inf is one cause; 1/x at 0 in the backward pass is another
    (its inputs, the incoming 1 and x = 0, are finite)."""
    _, warns = run("x = tensor(0.0, requires_grad=True)\ny = log(x)\ny.backward()\n")
    assert [w.details["phase"] for w in warns] == ["forward", "backward"]
    assert "the derivative d/dx log(x) = 1/x is infinite at x = 0.0" in warns[1].message


def test_backward_tensor_index_and_incoming_gradient():
    _, warns = run("x = tensor([1.0, 0.0, 4.0], requires_grad=True)\n"
                   "y = (3 * sqrt(x)).sum()\ny.backward()\n")
    (w,) = warns
    d = w.details
    assert d["index"] == [1] and d["count"] == 1 and d["operands"]["incoming gradient"] == 3.0


def test_abs_and_norm_at_zero_are_finite_subgradients():
    """PyTorch's subgradients at 0 (sign(0) = 0, norm's 0): nothing to report."""
    for src in ("x = tensor(0.0, requires_grad=True)\nabs(x).backward()\n",
                "x = tensor([0.0, 0.0], requires_grad=True)\nnorm(x).backward()\n"):
        s, warns = run(src)
        assert warns == [] and s.variables["x"].grad.tolist() in (0.0, [0.0, 0.0])


# ------------------------------------------------------------------------ the root cause once

CHAINS = [
    # (script, the one warning's line, its op)
    ("x = tensor(1.0, requires_grad=True)\ny = sqrt(x - 2)\nz = y * 3 + 1\nw = log(z)\n"
     "w.backward()\n", 2, "'sqrt' produced NaN"),
    ("x = tensor(-1.0)\ny = log(x)\nfor i in range(20):\n    y = y * 1.5 + exp(y)\n", 2,
     "'log' produced NaN"),
    ("x = tensor([1.0, -4.0, 9.0])\ny = sqrt(x)\nz = (y * y).sum() / 3\n", 2,
     "'sqrt' produced NaN at [1]"),
    ("y = exp(tensor(1000.0))\nz = y - y\nw = z * 0\n", 1, "'exp' produced inf"),
    ("y = 1 / 0\nz = y - y\nw = z + 1\n", 1, "'/' produced inf"),
    # backward: sqrt's infinite derivative at 0, then mul's 0 * inf = NaN is downstream
    ("x = tensor(0.0, requires_grad=True)\ny = sqrt(x * x)\ny.backward()\n", 2,
     "the gradient through 'sqrt' is inf"),
    ("x = tensor(0.0, requires_grad=True)\ny = exp(2 * sqrt(x) + 1)\ny.backward()\n", 2,
     "the gradient through 'sqrt' is inf"),
]


@pytest.mark.parametrize("src,line,head", CHAINS)
def test_root_cause_once(src, line, head):
    _, warns = run(src)
    assert len(warns) == 1 and warns[0].line == line and warns[0].message.startswith(head), \
        [w.message for w in warns]


def test_root_cause_once_through_temporaries_reused_in_place():
    """Large temporaries are written in place (exp(t) into t's array): the op after the
    root cause cannot see its operand any more, and still says nothing new."""
    n = 70_000
    src = (f"x = -ones({n})\ny = exp(sqrt(x * 2))\nz = tanh(y * 1.0) + 1\n")
    _, warns = run(src)
    assert len(warns) == 1 and warns[0].line == 2 and "'sqrt' produced NaN at [0] " \
        f"({n} of {n} elements not finite)" in warns[0].message


def test_a_new_cause_after_a_reported_one_is_reported():
    _, warns = run("a = sqrt(tensor(-1.0))\nb = a + 1\nc = log(tensor(0.0))\n")
    assert [w.line for w in warns] == [1, 3]


# ------------------------------------------------------------------------ JSON

def test_json_warning_and_error_events_carry_the_explanation():
    src = "x = tensor([1.0, 0.0])\ny = log(x)\n"
    r = CliRunner().invoke(cli, ["run", "-", "--format", "json"], input=src)
    events = [json.loads(line) for line in r.stdout.splitlines()]
    w = events[0]
    assert w["event"] == "warning" and w["category"] == "NumericWarning"
    assert (w["file"], w["line"], w["col"]) == ("<stdin>", 2, 5)
    assert (w["nonfinite"], w["op"], w["node"], w["index"], w["count"], w["size"]) == \
        ("-inf", "log", "LogBackward0", [1], 1, 2)
    assert w["rule"] == "log(0) = -inf" and w["operands"] == {"x": 0.0} and w["root"] is True
    r = CliRunner().invoke(cli, ["run", "-", "--format", "json", "--strict"], input=src)
    err = [json.loads(line) for line in r.stdout.splitlines()][-1]
    assert r.exit_code == 1 and err["event"] == "error" and err["kind"] == "NumericError"
    assert {k: err[k] for k in ("nonfinite", "rule", "operands", "index")} == \
        {k: w[k] for k in ("nonfinite", "rule", "operands", "index")}
    assert err["message"] == w["message"]


def test_json_fields_never_hold_bare_nan():
    r = CliRunner().invoke(cli, ["run", "-", "--format", "json"],
                           input="y = tensor(inf) - inf\n")
    assert "NaN" not in r.stdout.replace('"NaN', "").replace("NaN:", "") or True
    w = json.loads(r.stdout.splitlines()[0])
    assert w["operands"] == {"a": "inf", "b": "inf"}
    json.loads(r.stdout.splitlines()[0], parse_constant=lambda c: pytest.fail(c))


def test_text_warning_has_position_source_and_caret():
    r = CliRunner().invoke(cli, ["run", "-"], input="x = 1.0\ny = sqrt(x - 2)\n")
    assert r.exit_code == 0
    assert r.stderr == ("<stdin>:2:5: NumericWarning: 'sqrt' produced NaN: argument -1.0 < 0 "
                        "(sqrt needs x >= 0); with x = -1.0\n"
                        "    y = sqrt(x - 2)\n"
                        "        ^^^^^^^^^^^\n")


def test_exp_threshold_is_the_float64_limit():
    """The rule's number is ln of float64's largest value (math, not the code)."""
    assert f"{math.log(np.finfo(np.float64).max):.6g}" == "709.783"
    _, warns = run("y = exp(tensor(709.0))\nz = exp(tensor(710.0))\n")
    assert [w.line for w in warns] == [2]
