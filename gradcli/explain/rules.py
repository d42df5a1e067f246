"""How a node's local derivative is written out: ``d/da (a*b) = b``.

One row per node name: the op written with its inputs ``a`` and ``b`` (a constant
operand is ``c``), and the derivative with respect to each input, in the order of
the node's ``next``. A node without a row is explained by the numbers alone (what
reached it and what it sent). The numbers beside these formulas always come from the
engine's own rule (``engine/recorder.py``), never from these strings.
"""
from __future__ import annotations

_UNARY = {
    "Exp": ("exp(a)", "exp(a)"), "Log": ("log(a)", "1/a"), "Log1P": ("log1p(a)", "1/(1 + a)"),
    "Expm1": ("expm1(a)", "exp(a)"), "Sqrt": ("sqrt(a)", "1/(2*sqrt(a))"),
    "Sin": ("sin(a)", "cos(a)"), "Cos": ("cos(a)", "-sin(a)"), "Tan": ("tan(a)", "1 + tan(a)**2"),
    "Asin": ("asin(a)", "1/sqrt(1 - a**2)"), "Acos": ("acos(a)", "-1/sqrt(1 - a**2)"),
    "Atan": ("atan(a)", "1/(1 + a**2)"), "Sinh": ("sinh(a)", "cosh(a)"),
    "Cosh": ("cosh(a)", "sinh(a)"), "Tanh": ("tanh(a)", "1 - tanh(a)**2"),
    "Sigmoid": ("sigmoid(a)", "sigmoid(a)*(1 - sigmoid(a))"),
    "Softplus": ("softplus(a)", "sigmoid(a)"), "Abs": ("abs(a)", "sign(a)"),
    "Relu": ("relu(a)", "(a > 0)"), "Sign": ("sign(a)", "0"), "Reciprocal": ("1/a", "-1/a**2"),
    "Neg": ("-a", "-1"), "Erf": ("erf(a)", "2/sqrt(pi)*exp(-a**2)"),
    "Log2": ("log2(a)", "1/(a*log(2))"), "Log10": ("log10(a)", "1/(a*log(10))"),
    "Exp2": ("exp2(a)", "exp2(a)*log(2)"),
}

# (both inputs tensors, first only, second only)
_BINARY = {
    "AddBackward0": (("a + b", "1", "1"), ("a + c", "1", None), ("c + b", None, "1")),
    "SubBackward0": (("a - b", "1", "-1"), ("a - c", "1", None), ("c - b", None, "-1")),
    "RsubBackward1": (("c - a", "-1", None),) * 3,
    "MulBackward0": (("a*b", "b", "a"), ("a*c", "c", None), ("c*b", None, "c")),
    "DivBackward0": (("a/b", "1/b", "-a/b**2"), ("a/c", "1/c", None), ("c/b", None, "-c/b**2")),
    "PowBackward0": (("a**c", "c*a**(c - 1)", None),) * 3,
    "PowBackward1": (("a**b", "b*a**(b - 1)", "a**b*log(a)"), ("a**c", "c*a**(c - 1)", None),
                     ("c**b", None, "c**b*log(c)")),
    "PowBackward2": (("c**a", "c**a*log(c)", None),) * 3,
    "SumBackward0": (("sum(a)", "1 (each element)", None),) * 3,
    "MeanBackward0": (("mean(a)", "1/n (each element)", None),) * 3,
}


def rule(node_name: str, present: tuple) -> tuple | None:
    """(op text, [derivative text or None per input]) for a node, or None.
    ``present[i]`` says whether input i is a tensor in the graph."""
    base = node_name[:-len("Backward0")] if node_name.endswith("Backward0") else None
    if base in _UNARY:
        op, d = _UNARY[base]
        return op, [d]
    rows = _BINARY.get(node_name)
    if rows is None:
        return None
    if len(present) == 1:
        op, da, _ = rows[0]
        return op, [da]
    both, first, second = rows
    op, da, db = both if all(present) else first if present[0] else second
    return op, [da, db]


def names(node_name: str, present: tuple) -> list:
    """The letter that stands for each input in ``rule``'s text."""
    if len(present) == 1:
        return ["a"]
    return ["a", "b"]
