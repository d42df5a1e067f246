"""Dtypes as PyTorch: torch.result_type promotion for every operator and kind of operand,
gradients in the leaf's dtype from .backward() and grad(), the cast back at a promoting op.

Expected dtypes come from dtype_table.json, made with torch 2.13 by make_dtype_table.py,
and from torch itself when it is installed.
"""
import json
import pathlib

import numpy as np
import pytest

import gradcli.engine as E

from . import dtype_cases as dc

TABLE = json.loads((pathlib.Path(__file__).parent / "dtype_table.json").read_text())
CASES = [(default, c) for default in ("float64", "float32") for c in dc.cases()]
IDS = [f"{d}:{' '.join(c)}" for d, c in CASES]


@pytest.mark.parametrize("default, case", CASES, ids=IDS)
def test_result_dtype_as_torch_table(default, case):
    assert dc.outcome(*case, "gx", default) == TABLE["results"][default][" ".join(case)]


@pytest.mark.parametrize("default, case", CASES[:len(CASES) // 2], ids=IDS[:len(CASES) // 2])
def test_result_dtype_as_torch(default, case):
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    try:
        expected = dc.outcome(*case, "torch", default)
    finally:
        torch.set_default_dtype(old)
    assert dc.outcome(*case, "gx", default) == expected


def test_result_type_rules():
    """The three priority groups and categories, on a few named members."""
    from gradcli.engine._op import result_type as rt
    f32, f64, i64 = np.float32, np.float64, np.int64
    assert rt(np.zeros(2, i64), np.zeros(2, f32)) == f32          # int64 with float32
    assert rt(np.zeros(2, f32), f64(1)) == f32                     # 0-d does not raise
    assert rt(np.zeros(2, i64), f32(1)) == f32                     # 0-d float: category up
    assert rt(np.zeros(2, bool), np.int64(1)) == i64
    assert rt(np.zeros(2, i64), 2.5) == f64                        # number: default dtype
    with E.default_dtype(np.float32):
        assert rt(np.zeros(2, i64), 2.5) == f32
    assert rt(np.zeros(2, f32), 2.5) == f32
    assert rt(f32(1), f64(2)) == f64                               # two 0-d: promote


@pytest.mark.parametrize("mode", ["backward", "grad", "grad-create"])
@pytest.mark.parametrize("shapes", [((2,), (2,)), ((2,), ()), ((), (2,)), ((), ())])
@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
def test_gradients_keep_each_leafs_dtype(mode, shapes, op):
    """float32 leaf with a float64 one: each gradient in its leaf's dtype, with the values
    of the float64 computation to float32 precision (the derivative by hand)."""
    va = np.full(shapes[0], 1.5) if shapes[0] else 1.5
    vb = np.full(shapes[1], 0.5) if shapes[1] else 0.5
    a = E.tensor(va, dtype=np.float32, requires_grad=True)
    b = E.tensor(vb, dtype=np.float64, requires_grad=True)
    y = {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "**": a ** b}[op]
    out = y.sum()
    if mode == "backward":
        out.backward()
        ga, gb = a.grad, b.grad
    else:
        ga, gb = E.grad(out, [a, b], create_graph=(mode == "grad-create"))
    assert ga.dtype == np.float32 and gb.dtype == np.float64
    assert ga.shape == a.shape and gb.shape == b.shape
    n_b = np.size(np.broadcast_to(va, np.broadcast_shapes(np.shape(va), np.shape(vb)))) \
        // max(np.size(vb), 1)
    n_a = np.size(np.broadcast_to(vb, np.broadcast_shapes(np.shape(va), np.shape(vb)))) \
        // max(np.size(va), 1)
    x1, x2 = 1.5, 0.5
    da, db = {"+": (1, 1), "-": (1, -1), "*": (x2, x1), "/": (1 / x2, -x1 / x2 ** 2),
              "**": (x2 * x1 ** (x2 - 1), x1 ** x2 * np.log(x1))}[op]
    np.testing.assert_allclose(np.asarray(ga.detach().tolist()), np.full(a.shape, da * n_a), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(gb.detach().tolist()), np.full(b.shape, db * n_b), rtol=1e-6)


def test_cast_back_happens_inside_the_graph():
    """The gradient reaching a float32 intermediate is float32 before its node runs (what
    PyTorch's engine does), so the float32 chain behind it computes in float32."""
    x = E.tensor([1.0, 2.0], dtype=np.float32, requires_grad=True)
    h = x * 3.0                                  # float32 intermediate
    y = (h * E.tensor([0.1, 0.2], dtype=np.float64)).sum()
    seen = []
    h.retain_grad()
    y.backward()
    seen.append(h.grad.dtype)
    assert seen == [np.float32] and x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.tolist(), [0.3, 0.6], rtol=1e-6)


def test_second_order_through_the_cast():
    x = E.tensor(1.5, dtype=np.float32, requires_grad=True)
    w = E.tensor(2.0, dtype=np.float64, requires_grad=True)
    (g,) = E.grad((x * w).exp(), [x], create_graph=True)
    assert g.dtype == np.float32
    (h,) = E.grad(g, [x])
    assert h.dtype == np.float32
    assert h.item() == pytest.approx(4 * np.exp(3.0), rel=1e-6)


# ------------------------------------------------------------------ integers as PyTorch

INT_ERRORS = [
    # (expression on t = [4, 7] int64, the error PyTorch 2.13 raises, its message)
    ("t // 0", "RuntimeError", "ZeroDivisionError"),
    ("t % 0", "RuntimeError", "ZeroDivisionError"),
    ("t // m.tensor([1, 0])", "RuntimeError", "ZeroDivisionError"),
    ("t % m.tensor(0)", "RuntimeError", "ZeroDivisionError"),
    ("m.tensor(5) // m.tensor(0)", "RuntimeError", "ZeroDivisionError"),
    ("t ** -1", "RuntimeError", "Integers to negative integer powers are not allowed."),
    ("-m.tensor([True])", "RuntimeError", "Negation, the `-` operator, on a bool tensor"),
    ("m.tensor([True]) - m.tensor([False])", "RuntimeError", "with two bool tensors"),
    ("t - True", "RuntimeError", "with a bool tensor"),
]
INT_OK = [
    # no error in PyTorch: float division by zero, float exponents, bool divisors that are 1
    ("t / 0", [float("inf"), float("inf")]),
    ("t // 0.0", [float("inf"), float("inf")]),
    ("t ** -1.0", [0.25, 1 / 7]),
    ("t % m.tensor([True, True])", [0, 0]),
    ("t // 2", [2, 3]),
    ("t ** m.tensor([1, -2])", [4, 0]),           # integer powers: 1/49 truncates to 0
    ("m.tensor([1, -1, -1, 0]) ** m.tensor([-3, -3, -2, -1])", [1, -1, 1, 0]),
    ("t % -3", [-2, -2]),
]


def _run(expr, lib):
    if lib != "torch":
        return eval(expr, {"m": E, "t": E.tensor([4, 7])})
    import torch
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)          # the engine's default
    try:
        return eval(expr, {"m": torch, "t": torch.tensor([4, 7])})
    finally:
        torch.set_default_dtype(old)


@pytest.mark.parametrize("expr, kind, text", INT_ERRORS, ids=[e for e, *_ in INT_ERRORS])
def test_integer_errors_as_torch(expr, kind, text):
    with pytest.raises(E.EngineError) as info:
        with np.errstate(all="ignore"):
            _run(expr, "gx")
    assert text in str(info.value)
    assert isinstance(info.value, RuntimeError if kind == "RuntimeError" else TypeError) or \
        isinstance(info.value, TypeError)


@pytest.mark.parametrize("expr, kind, text", INT_ERRORS, ids=[e for e, *_ in INT_ERRORS])
def test_integer_errors_are_torchs(expr, kind, text):
    torch = pytest.importorskip("torch")
    with pytest.raises((RuntimeError, NotImplementedError)) as info:
        _run(expr, "torch")
    assert text in str(info.value)
    del torch


@pytest.mark.parametrize("expr, expected", INT_OK, ids=[e for e, _ in INT_OK])
def test_integer_results_as_torch(expr, expected):
    with np.errstate(all="ignore"):
        got = _run(expr, "gx")
    np.testing.assert_allclose(got.tolist(), expected)
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(_run(expr, "torch").tolist(), expected)
    assert str(_run(expr, "torch").dtype).replace("torch.", "") == str(got.dtype)
    del torch


# ------------------------------------------------------------- only the documented dtypes

UNDOCUMENTED = ["int32", np.int32, np.float16, np.uint8, np.complex64, "torch.int8", "half", object]
MAKERS = {
    "tensor": lambda dt: E.tensor([1, 2], dtype=dt),
    "tensor(Variable)": lambda dt: E.tensor(E.tensor([1.0]), dtype=dt),
    "Variable": lambda dt: E.Variable([1.0], dtype=dt),
    "ones": lambda dt: E.ones(2, dtype=dt),
    "zeros": lambda dt: E.zeros(2, dtype=dt),
    "full": lambda dt: E.full((2,), 1.0, dtype=dt),
    "eye": lambda dt: E.eye(2, dtype=dt),
    "arange": lambda dt: E.arange(3, dtype=dt),
    "linspace": lambda dt: E.linspace(0, 1, 3, dtype=dt),
    "rand": lambda dt: E.rand(2, dtype=dt),
    "randn": lambda dt: E.randn(2, dtype=dt),
    "randint": lambda dt: E.randint(0, 5, (2,), dtype=dt),
    "randperm": lambda dt: E.randperm(3, dtype=dt),
    "normal": lambda dt: E.normal(0.0, 1.0, (2,), dtype=dt),
    "ones_like": lambda dt: E.ones_like(E.zeros(2), dtype=dt),
    "zeros_like": lambda dt: E.zeros_like(E.zeros(2), dtype=dt),
    "full_like": lambda dt: E.full_like(E.zeros(2), 1.0, dtype=dt),
    "rand_like": lambda dt: E.rand_like(E.zeros(2), dtype=dt),
    "randn_like": lambda dt: E.randn_like(E.zeros(2), dtype=dt),
    "randint_like": lambda dt: E.randint_like(E.zeros(2), 5, dtype=dt),
    "default_dtype": lambda dt: E.default_dtype(dt).__enter__(),
}


@pytest.mark.parametrize("maker", list(MAKERS), ids=list(MAKERS))
@pytest.mark.parametrize("dt", UNDOCUMENTED, ids=[str(d) for d in UNDOCUMENTED])
def test_undocumented_dtypes_are_refused_on_every_path(maker, dt):
    with pytest.raises(E.EngineTypeError) as info:
        MAKERS[maker](dt)
    assert "float32, float64, int64 and bool" in str(info.value)


@pytest.mark.parametrize("name, expected", [
    ("float32", np.float32), ("torch.float", np.float32), ("float64", np.float64),
    ("torch.double", np.float64), ("int64", np.int64), ("torch.long", np.int64),
    ("bool", np.bool_), (float, np.float64), (int, np.int64), (bool, np.bool_),
    (np.float32, np.float32), (np.dtype(np.int64), np.int64),
])
def test_documented_dtypes_and_aliases(name, expected):
    from gradcli.engine.dtypes import as_dtype
    assert as_dtype(name) == expected
    assert E.zeros(2, dtype=name).dtype == expected
    assert E.zeros_like(E.ones(2), dtype=name).dtype == expected


OVERFLOWS = [
    ("t + t", "AddBackward0"), ("t + 2 ** 62", "AddBackward0"), ("t * 4", "MulBackward0"),
    ("t * t", "MulBackward0"), ("(-t) - (t + 1)", "SubBackward0"), ("-t - 3 * 2 ** 61", "SubBackward0"),
    ("-(2 ** 63 - 1) - t", "RsubBackward1"), ("t ** 3", "PowBackward0"),
    ("m.tensor([2 ** 63 - 2]) + 1 + 1", "AddBackward0"),
    ("-m.tensor([-2 ** 63])", "NegBackward0"), ("m.tensor(2 ** 62) * 2", "MulBackward0"),
]


@pytest.mark.parametrize("expr, node", OVERFLOWS, ids=[e for e, _ in OVERFLOWS])
def test_integer_overflow_is_reported_under_anomaly_mode(expr, node):
    """2**62 + 2**62 wraps to -2**63 in int64 (as in PyTorch); the anomaly hook (--strict)
    reports it as an 'overflow' event of the op."""
    events = []
    with np.errstate(all="ignore"), E.anomaly_mode(lambda *ev: events.append(ev)):
        eval(expr, {"m": E, "t": E.tensor([2 ** 62, 3])})
    assert events == [("overflow", node, None)]


@pytest.mark.parametrize("expr", ["t + t", "t * 2", "t - 5", "t ** 2", "-t", "t + 0.5",
                                  "m.tensor([2 ** 62 - 1]) + 2 ** 62",
                                  "m.tensor([-2 ** 62]) - 2 ** 62",
                                  "m.tensor([2 ** 62]) * -2", "m.tensor([-2 ** 63 + 1]) - 1"])
def test_no_overflow_no_event(expr):
    events = []
    with E.anomaly_mode(lambda *ev: events.append(ev)):
        eval(expr, {"m": E, "t": E.tensor([3, 1 << 20])})
    assert events == []


@pytest.mark.parametrize("sa, da, sb, db, text", [
    ((2, 3), np.float32, (3, 2), np.float64, "expected m1 and m2 to have the same dtype, but got: float != double"),
    ((3,), np.float32, (3,), np.float64, "dot : expected both vectors to have same dtype, but found Float and Double"),
    ((2, 2, 3), np.float32, (3, 2), np.float64, "expected m1 and m2 to have the same dtype, but got: float != double"),
    ((2, 3), np.int64, (3, 2), np.float64, "expected m1 and m2 to have the same dtype, but got: long int != double"),
])
def test_matmul_does_not_promote(sa, da, sb, db, text):
    """PyTorch 2.13's messages (printed by torch for these operands)."""
    with pytest.raises(E.EngineRuntimeError) as info:
        E.ones(*sa, dtype=da) @ E.ones(*sb, dtype=db)
    assert str(info.value) == text
