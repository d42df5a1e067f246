"""Hypothesis properties of the engine:

- random expression trees (over smooth ops, with broadcasting between a matrix, a vector
  and a scalar) agree with central finite differences (order 1, and order 2 on fewer);
- two backward calls accumulate to the sum of the two gradients;
- a gradient through a broadcasting op equals the gradient through ``expand`` + the op.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradcli.engine as E
from gradcli.engine import grad, gradcheck, gradgradcheck, tensor

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- expression trees

SHAPES = {"x": (2, 3), "y": (3,), "z": ()}

UNARY = {
    "sin": E.sin, "cos": E.cos, "tanh": E.tanh, "sigmoid": E.sigmoid, "softplus": E.softplus,
    "atan": E.atan, "square": lambda a: a * a, "neg": lambda a: -a,
    "exp∘tanh": lambda a: E.exp(E.tanh(a)), "log1p(a²)": lambda a: E.log1p(a * a),
    "sqrt(1+a²)": lambda a: E.sqrt(1 + a * a), "logsumexp": lambda a: E.logsumexp(a, -1, True)
    if a.ndim else a, "softmax": lambda a: E.softmax(a, -1) if a.ndim else a,
    "mean0": lambda a: E.mean(a, 0, True) if a.ndim == 2 else a,
    # smooth everywhere on the values the trees make (any real)
    "asinh": E.asinh, "logsigmoid": E.logsigmoid, "exp2∘tanh": lambda a: E.exp2(E.tanh(a)),
    "F.gelu(tanh)": lambda a: E.functional_nn.gelu(a, approximate="tanh"),
    "F.silu": E.functional_nn.silu,
    "atan2(a,1+a²)": lambda a: E.atan2(a, 1 + a * a), "hypot(a,1)": lambda a: E.hypot(a, 1.0),
}
BINARY = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/(1+b²)": lambda a, b: a / (1 + b * b), "2a-3": lambda a, b: 2.0 * a - 3 + 0 * b,
    "where": lambda a, b: E.where(tensor(np.array([True, False, True])), a, b),
    "lerp": lambda a, b: E.lerp(a, b, 0.3), "addcmul": lambda a, b: E.addcmul(a, b, a, value=0.5),
    "xlogy(a,1+b²)": lambda a, b: E.xlogy(a, 1 + b * b),
}

leaves = st.sampled_from(sorted(SHAPES))
trees = st.recursive(
    leaves,
    lambda kids: st.one_of(
        st.tuples(st.sampled_from(sorted(UNARY)), kids),
        st.tuples(st.sampled_from(sorted(BINARY)), kids, kids)),
    max_leaves=6)


def evaluate(tree, env):
    if isinstance(tree, str):
        return env[tree]
    if len(tree) == 2:
        return UNARY[tree[0]](evaluate(tree[1], env))
    return BINARY[tree[0]](evaluate(tree[1], env), evaluate(tree[2], env))


def values(shape):
    return hnp.arrays(np.float64, shape, elements=st.floats(-1.5, 1.5, allow_nan=False))


inputs = st.fixed_dictionaries({k: values(s) for k, s in SHAPES.items()})


def as_function(tree):
    names = sorted(SHAPES)

    def f(*vs):
        return E.sum(evaluate(tree, dict(zip(names, vs))))
    return f


def variables(arrays):
    return tuple(tensor(arrays[k], requires_grad=True) for k in sorted(SHAPES))


@settings(max_examples=60, **SETTINGS)
@given(trees, inputs)
def test_random_trees_agree_with_finite_differences(tree, arrays):
    f = as_function(tree)
    xs = variables(arrays)
    out = f(*xs)
    if not out.requires_grad:
        return
    assert gradcheck(f, xs)


@settings(max_examples=15, **SETTINGS)
@given(trees, inputs)
def test_random_trees_second_order(tree, arrays):
    f = as_function(tree)
    xs = variables(arrays)
    if not f(*xs).requires_grad:
        return
    assert gradgradcheck(f, xs)


@settings(max_examples=40, **SETTINGS)
@given(trees, trees, inputs)
def test_two_backward_calls_accumulate_to_the_sum(t1, t2, arrays):
    f, g = as_function(t1), as_function(t2)
    xs = variables(arrays)
    fo, go = f(*xs), g(*xs)
    if not (fo.requires_grad and go.requires_grad):
        return
    gf = grad(fo, list(xs), retain_graph=True, allow_unused=True)
    gg = grad(go, list(xs), retain_graph=True, allow_unused=True)
    fo.backward()
    go.backward()
    for x, a, b in zip(xs, gf, gg):
        expected = sum((np.asarray(v.tolist()) for v in (a, b) if v is not None),
                       np.zeros(x.shape))
        got = np.zeros(x.shape) if x.grad is None else np.asarray(x.grad.tolist())
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=30, **SETTINGS)
@given(trees, inputs)
def test_backward_equals_grad_and_sum_of_parts(tree, arrays):
    # backward on f + f equals twice the gradient of f (a reused graph counted per use)
    f = as_function(tree)
    xs = variables(arrays)
    out = f(*xs)
    if not out.requires_grad:
        return
    once = grad(out, list(xs), retain_graph=True, allow_unused=True)
    (out + out).backward()
    for x, g in zip(xs, once):
        if g is None:
            assert x.grad is None
        else:
            np.testing.assert_allclose(x.grad.tolist(), 2 * np.asarray(g.tolist()), rtol=1e-12,
                                       atol=1e-12)


# ------------------------------------------------------------ broadcasting = expand

BROADCAST_OPS = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / (b * b + 1), "**": lambda a, b: (a * a + 0.5) ** b,
    "maximum": E.maximum, "minimum": E.minimum, "atan(a*b)": lambda a, b: E.atan(a * b),
    "where": None,   # a condition of the result's shape, drawn in the test
}


@st.composite
def broadcast_pair(draw):
    """An output shape up to (3, 3, 2) and two operand shapes that broadcast to it: each
    drops leading axes and turns some axes into 1."""
    out = draw(st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple))

    def operand():
        nd = draw(st.integers(0, len(out)))
        tail = out[len(out) - nd:]
        return tuple(1 if draw(st.booleans()) else s for s in tail)
    sa, sb = operand(), operand()
    return sa, sb, np.broadcast_shapes(sa, sb)


@settings(max_examples=80, **SETTINGS)
@given(st.sampled_from(sorted(BROADCAST_OPS)), broadcast_pair(), st.data())
def test_broadcasting_equals_explicit_expansion(name, shapes, data):
    sa, sb, full = shapes
    if name == "where":
        cond = tensor(data.draw(hnp.arrays(np.bool_, full)))

        def op(a, b):
            return E.where(cond, a, b)
    else:
        op = BROADCAST_OPS[name]
    a0 = data.draw(values(sa))
    b0 = data.draw(values(sb))
    if name in ("maximum", "minimum"):
        # away from ties: a on the grid k/4, b on the grid k/4 + 1/8
        a0 = np.round(a0 * 4) / 4
        b0 = np.round(b0 * 4) / 4 + 0.125
    w = data.draw(values(full))
    a1, b1 = tensor(a0, requires_grad=True), tensor(b0, requires_grad=True)
    ga1, gb1 = grad((op(a1, b1) * tensor(w)).sum(), [a1, b1])
    a2, b2 = tensor(a0, requires_grad=True), tensor(b0, requires_grad=True)
    ea, eb = a2.expand(*full), b2.expand(*full)
    ga2, gb2 = grad((op(ea, eb) * tensor(w)).sum(), [a2, b2])
    assert ga1.shape == sa and gb1.shape == sb
    np.testing.assert_allclose(ga1.tolist(), ga2.tolist(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gb1.tolist(), gb2.tolist(), rtol=1e-12, atol=1e-12)
    # and the explicit gradient: sum the full-shape gradient over the broadcast axes
    full_a = tensor(np.broadcast_to(a0, full).copy(), requires_grad=True)
    full_b = tensor(np.broadcast_to(b0, full).copy(), requires_grad=True)
    gfa, gfb = grad((op(full_a, full_b) * tensor(w)).sum(), [full_a, full_b])
    np.testing.assert_allclose(ga1.tolist(), _sum_to(np.asarray(gfa.tolist()), sa), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(gb1.tolist(), _sum_to(np.asarray(gfb.tolist()), sb), rtol=1e-12,
                               atol=1e-12)


def _sum_to(g, shape):
    lead = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape)


@settings(max_examples=30, **SETTINGS)
@given(broadcast_pair(), st.data())
def test_broadcast_gradients_pass_gradcheck(shapes, data):
    sa, sb, _ = shapes
    a = tensor(data.draw(values(sa)), requires_grad=True)
    b = tensor(data.draw(values(sb)), requires_grad=True)
    assert gradcheck(lambda a, b: E.sum(E.tanh(a) * b + a * a), (a, b))


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_reductions_keepdim_agree(shape):
    # keepdim=True is keepdim=False followed by unsqueeze, for values and gradients
    rng = np.random.default_rng(3)
    x0 = rng.uniform(-1, 1, shape)
    for d in range(max(len(shape), 1)):
        if not shape:
            continue
        for name in ("sum", "mean", "prod", "logsumexp", "norm", "var"):
            f = getattr(E, name)
            x1 = tensor(x0, requires_grad=True)
            x2 = tensor(x0, requires_grad=True)
            k = f(x1, d, True) if name != "norm" else E.norm(x1, dim=d, keepdim=True)
            n = f(x2, d, False) if name != "norm" else E.norm(x2, dim=d, keepdim=False)
            np.testing.assert_allclose(k.tolist(), E.unsqueeze(n, d).tolist(), rtol=1e-13)
            (k * k).sum().backward()
            (n * n).sum().backward()
            np.testing.assert_allclose(x1.grad.tolist(), x2.grad.tolist(), rtol=1e-12)
