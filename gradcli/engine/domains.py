"""The domain rules: for each op, the rule a NaN or an infinity broke, as text.

One table per phase, keyed by the node name (``SqrtBackward0``; the forward op and
its derivative share it). A rule gets the values of one element: the result and the
operands (forward), or the result, the incoming gradient and the node's saved values
(backward), all as Python floats (``None`` where a value was not kept), and returns
the sentence that says what broke, or None when it has nothing to say; then the
generic sentence of ``generic`` is used. Nothing here runs unless a result is not
finite (see ``nonfinite.py``).
"""
from __future__ import annotations

import math

MAX = _MAX = 1.7976931348623157e308     # float64's largest; float32's is passed in
_LN_MAX = math.log(_MAX)                # 709.78: exp's largest argument


def num(v) -> str:
    """-1.0, 1000.0, 0.333333, 1e+300, inf, nan: short, and a float looks like one."""
    if v is None:
        return "?"
    if type(v) is int:
        return str(v)
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == int(v) and abs(v) < 1e16:
        return f"{v:.1f}"
    return f"{v:.6g}"


def _limit(big: float) -> str:
    return f"{big:.3g}"


# ------------------------------------------------------------------ forward rules
# (out, operands..., big) -> text or None; ``big`` is the dtype's largest finite value.

def _below(name, low, strict):
    sign = ">" if strict else ">="

    def rule(out, x=None, *_, big=_MAX):
        if x is not None and (x < low or (strict and x == low and out != out)):
            return f"argument {num(x)} < {low:g} ({name} needs x {sign} {low:g})"
        if x is not None and x == low and math.isinf(out):
            return f"{name}({num(x)}) = {num(out)}"
        return None
    return rule


def _log(name):
    def rule(out, x=None, *_, big=_MAX):
        if x is None:
            return None
        if x < 0:
            return f"argument {num(x)} < 0 ({name} needs x > 0)"
        if x == 0:
            return f"{name}(0) = -inf"
        return None
    return rule


def _unit(name, closed_inf=False):
    def rule(out, x=None, *_, big=_MAX):
        if x is None:
            return None
        if abs(x) > 1:
            return f"argument {num(x)} outside [-1, 1] ({name} is defined on [-1, 1])"
        if closed_inf and abs(x) == 1:
            return f"{name}({num(x)}) = {num(out)}"
        return None
    return rule


def _overflow(name, threshold):
    """exp-like: the result passes the dtype's largest value past an argument."""
    def rule(out, x=None, *_, big=_MAX):
        if x is None or not math.isinf(out):
            return None
        lim = threshold(big)
        return (f"overflow: argument {num(x)} > {lim:.6g} ({name}'s result exceeds the "
                f"largest float, {_limit(big)})")
    return rule


def _reciprocal(out, x=None, *_, big=_MAX):
    if x == 0:
        return f"division by zero (1 / {num(x)})"
    return None


def _rsqrt(out, x=None, *_, big=_MAX):
    if x is None:
        return None
    if x < 0:
        return f"argument {num(x)} < 0 (rsqrt needs x > 0)"
    if x == 0:
        return "rsqrt(0) = 1 / sqrt(0): division by zero"
    return None


def _div(out, a=None, b=None, *_, big=_MAX):
    if a is None or b is None:
        return None
    if b == 0:
        if a == 0:
            return "0 / 0 is undefined"
        if a != a:
            return None
        return f"division by zero ({num(a)} / 0)"
    if math.isinf(a) and math.isinf(b):
        return f"{num(a)} / {num(b)} is undefined"
    if math.isinf(out):
        return f"overflow: {num(a)} / {num(b)} exceeds the largest float, {_limit(big)}"
    return None


def _mul(out, a=None, b=None, *_, big=_MAX):
    if a is None or b is None:
        return None
    if (a == 0 and math.isinf(b)) or (b == 0 and math.isinf(a)):
        return f"{num(a)} * {num(b)} is undefined"
    if math.isinf(out):
        return f"overflow: {num(a)} * {num(b)} exceeds the largest float, {_limit(big)}"
    return None


def _addsub(op):
    def rule(out, a=None, b=None, *_, big=_MAX):
        if a is None or b is None:
            return None
        if math.isinf(a) and math.isinf(b):
            return f"{num(a)} {op} {num(b) if b > 0 or op == '+' else '(' + num(b) + ')'} " \
                   "is undefined"
        if math.isinf(out):
            return f"overflow: {num(a)} {op} {num(b)} exceeds the largest float, {_limit(big)}"
        return None
    return rule


def _pow(out, a=None, b=None, *_, big=_MAX):
    if a is None or b is None:
        return None
    if a < 0 and math.isfinite(b) and b != int(b):
        return f"negative base {num(a)} to the non-integer power {num(b)}"
    if a == 0 and b < 0:
        return f"0 to the negative power {num(b)}: division by zero"
    if math.isinf(out):
        return f"overflow: {num(a)} ** {num(b)} exceeds the largest float, {_limit(big)}"
    return None


def _rpow(out, x=None, *_, big=_MAX):     # c ** x: the base is not an operand here
    if x is not None and math.isinf(out):
        return f"overflow: the power {num(x)} makes the result exceed the largest float"
    return None


def _xlogy(out, x=None, y=None, *_, big=_MAX):
    if x is not None and y is not None and x != 0 and y < 0:
        return f"x * log(y) with y = {num(y)} < 0 (log needs y > 0)"
    return None


FORWARD = {
    "XlogyBackward0": _xlogy, "XlogyBackward1": _xlogy, "XlogyBackward2": _xlogy,
    "SqrtBackward0": _below("sqrt", 0.0, False),
    "RsqrtBackward0": _rsqrt,
    "LogBackward0": _log("log"),
    "Log2Backward0": _log("log2"),
    "Log10Backward0": _log("log10"),
    "Log1PBackward0": _below("log1p", -1.0, True),
    "AsinBackward0": _unit("asin"),
    "AcosBackward0": _unit("acos"),
    "AtanhBackward0": _unit("atanh", closed_inf=True),
    "ErfinvBackward0": _unit("erfinv", closed_inf=True),
    "AcoshBackward0": _below("acosh", 1.0, False),
    "ExpBackward0": _overflow("exp", math.log),
    "Expm1Backward0": _overflow("expm1", math.log),
    "Exp2Backward0": _overflow("exp2", math.log2),
    "SinhBackward0": _overflow("sinh", lambda big: math.log(2 * big) if big < _MAX
                               else _LN_MAX + math.log(2)),
    "CoshBackward0": _overflow("cosh", lambda big: math.log(2 * big) if big < _MAX
                               else _LN_MAX + math.log(2)),
    "ReciprocalBackward0": _reciprocal,
    "DivBackward0": _div,
    "MulBackward0": _mul,
    "AddBackward0": _addsub("+"),
    "SubBackward0": _addsub("-"),
    "RsubBackward1": lambda out, x=None, *_, big=_MAX: None,
    "PowBackward0": _pow,
    "PowBackward1": _pow,
    "PowBackward2": _rpow,
}


# ------------------------------------------------------------------ backward rules
# (out, g, saved values...) -> text or None. ``out`` is the gradient sent to an input.

def _infinite_at(formula, where):
    """d/dx f = formula is infinite where ``where(values)`` says the operand is."""
    def rule(out, g=None, *saved):
        at = where(*saved)
        if at is None:
            return None
        return f"the derivative {formula} is infinite at {at}"
    return rule


def _x_at(values):
    def where(x=None, *_):
        if x is not None and x in values:
            return f"x = {num(x)}"
        return None
    return where


def _sqrt_at(y=None, *_):
    return "x = 0.0" if y == 0 else None


def _pow_at(x=None, c=None, *_):
    if x == 0 and c is not None and c < 1:
        return f"x = 0.0 (the power c = {num(c)} is below 1)"
    return None


def _div_at(a=None, b=None, *_):
    return "b = 0.0" if b == 0 else None


def _rsqrt_at(y=None, *_):
    return "x = 0.0" if y is not None and math.isinf(y) else None


BACKWARD = {
    "SqrtBackward0": _infinite_at("d/dx sqrt(x) = 1/(2*sqrt(x))", _sqrt_at),
    "RsqrtBackward0": _infinite_at("d/dx rsqrt(x) = -1/(2*x**1.5)", _rsqrt_at),
    "LogBackward0": _infinite_at("d/dx log(x) = 1/x", _x_at((0.0,))),
    "Log2Backward0": _infinite_at("d/dx log2(x) = 1/(x*ln 2)", _x_at((0.0,))),
    "Log10Backward0": _infinite_at("d/dx log10(x) = 1/(x*ln 10)", _x_at((0.0,))),
    "Log1PBackward0": _infinite_at("d/dx log1p(x) = 1/(1 + x)", _x_at((-1.0,))),
    "AsinBackward0": _infinite_at("d/dx asin(x) = 1/sqrt(1 - x**2)", _x_at((1.0, -1.0))),
    "AcosBackward0": _infinite_at("d/dx acos(x) = -1/sqrt(1 - x**2)", _x_at((1.0, -1.0))),
    "AtanhBackward0": _infinite_at("d/dx atanh(x) = 1/(1 - x**2)", _x_at((1.0, -1.0))),
    "AcoshBackward0": _infinite_at("d/dx acosh(x) = 1/sqrt(x**2 - 1)", _x_at((1.0, -1.0))),
    "PowBackward0": _infinite_at("d/dx x**c = c*x**(c - 1)", _pow_at),
    "DivBackward0": _infinite_at("d/da (a/b) = 1/b", _div_at),
    "ReciprocalBackward0": _infinite_at("d/dx (1/x) = -1/x**2",
                                        lambda y=None, *_: "x = 0.0"
                                        if y is not None and math.isinf(y) else None),
}

# ops that work element by element (after broadcasting): their operands are read at the
# offending element; any other op's operands count as a whole (a sum, a softmax, a matmul)
ELEMENTWISE = frozenset({
    "AddBackward0", "SubBackward0", "RsubBackward1", "MulBackward0", "DivBackward0",
    "NegBackward0", "PowBackward0", "PowBackward1", "PowBackward2", "RemainderBackward0",
    "RemainderBackward1",
    "MaximumBackward0", "MinimumBackward0", "WhereBackward0", "ClampBackward0",
    "ClampBackward1", "ClampMinBackward0", "Atan2Backward0", "HypotBackward0",
    "XlogyBackward0", "XlogyBackward1", "XlogyBackward2", "LerpBackward0", "LerpBackward1",
    "AddcmulBackward0", "AddcdivBackward0", "SquareBackward0",
})


def elementwise(name: str) -> bool:
    if name in ELEMENTWISE:
        return True
    from .elementwise import UNARY          # the unary table's nodes (read on reports only)
    return any(row[0] == name for row in UNARY.values())


# the names of the saved values, in the node's ``saved`` order, for the message
SAVED_NAMES = {
    "MulBackward0": ("a", "b"), "DivBackward0": ("a", "b"),
    "PowBackward0": ("x", "c"), "PowBackward1": ("x", "y"),
}


def generic(phase: str, kind: str, operands_finite: bool | None, big: float = _MAX) -> str:
    """The sentence when no rule of the table speaks."""
    if phase == "backward":
        if kind == "nan":
            return "the local derivative is undefined here (NaN from finite values)"
        return (f"the incoming gradient times the local derivative exceeds the largest "
                f"float, {_limit(big)}")
    if operands_finite is None:
        return ("the operands' values were not kept (an operand's array was reused in "
                "place for the result)")
    if kind == "nan":
        if operands_finite is False:
            return "infinities cancelled (inf - inf, 0 * inf or inf / inf)"
        return "NaN from finite operands"
    return f"overflow: the result exceeds the largest float, {_limit(big)}"


def forward_rule(op: str, out: float, operands, big: float = _MAX) -> str | None:
    rule = FORWARD.get(op)
    if rule is None:
        return None
    try:
        return rule(out, *operands, big=big)
    except (TypeError, ValueError, OverflowError):     # an operand of an odd type
        return None


def backward_rule(op: str, out: float, g, saved) -> str | None:
    rule = BACKWARD.get(op)
    if rule is None:
        return None
    try:
        return rule(out, g, *saved)
    except (TypeError, ValueError, OverflowError):
        return None
