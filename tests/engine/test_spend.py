"""Derivative rules that write into buffers the walk is about to free (``spend``).

When a backward pass frees a node's saved values (no retain_graph), an elementwise
rule may write its result into the incoming gradient or into a saved array, provided
nothing else holds that array. These tests use arrays above buffers.CHUNK, where
``spend`` does that, and check three things:

- the gradients are the ones the maths gives (and the ones the plain ``fast`` rules
  give, which the op registry checks against finite differences on small inputs);
- no array that anything else can still see is changed (user tensors, seeds, saved
  values shared by two nodes, retained gradients, a second backward);
- the memory is really saved: numpy reports its allocations to tracemalloc, so the
  peak of a backward pass is counted in arrays.
"""
import gc
import tracemalloc

import numpy as np
import pytest

import gradcli as g
from gradcli.engine import buffers
from gradcli.engine import elementwise
from gradcli.engine.elementwise import UNARY

N = 2 * buffers.CHUNK + 123          # spend works on arrays of at least CHUNK elements
SHAPES = [(N,), (700, 200)]
exact = pytest.mark.skipif(not buffers.EXACT, reason="reference counts are not exact here: "
                           "the engine never reuses buffers (gradcli/engine/buffers.py)")


def rng(seed=0):
    return np.random.default_rng(seed)


def leaf(a):
    return g.tensor(a, requires_grad=True)


def domain(name, shape, r):
    """Inputs inside each op's domain, away from kinks and poles."""
    if name in ("log", "sqrt", "log2", "log10", "rsqrt"):
        return r.uniform(0.5, 2.0, shape)
    if name == "acosh":
        return r.uniform(1.2, 3.0, shape)
    if name in ("asin", "acos", "atanh", "erfinv"):
        return r.uniform(-0.8, 0.8, shape)
    if name == "log1p":
        return r.uniform(-0.5, 2.0, shape)
    if name == "tan":
        return r.uniform(-1.2, 1.2, shape)
    return r.uniform(-2.0, 2.0, shape) + 0.01


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("seeded", [False, True], ids=["sum", "seed"])
def test_unary_rules_agree_with_the_retained_walk(name, shape, seeded):
    """spend (graph freed) against fast (retain_graph=True keeps the saved values intact)."""
    if name in ("erf", "erfc", "erfinv"):
        pytest.importorskip("scipy.special")      # the optional extra gradcli[special]
    r = rng(1)
    a = domain(name, shape, r)
    w = r.uniform(0.5, 1.5, shape)
    op = getattr(elementwise, name)
    grads = []
    for retain in (True, False):
        x = leaf(a)
        out = op(x) * g.tensor(w) if seeded else op(x)
        if seeded:
            out.backward(g.tensor(w), retain_graph=retain)
        else:
            out.sum().backward(retain_graph=retain)
        grads.append(x.grad.numpy().copy())
    np.testing.assert_array_equal(grads[0], grads[1])


def test_w3_expression_gradients_are_the_analytic_ones():
    r = rng(2)
    xa, ya = r.random(N), r.random(N)
    x, y = leaf(xa), leaf(ya)
    g.sum(g.exp(g.sin(x) * y + x * x)).backward()
    e = np.exp(np.sin(xa) * ya + xa * xa)
    np.testing.assert_allclose(x.grad.numpy(), e * (np.cos(xa) * ya + 2 * xa), rtol=1e-13)
    np.testing.assert_allclose(y.grad.numpy(), e * np.sin(xa), rtol=1e-13)


def test_matmul_tanh_chain_gradients_are_the_analytic_ones():
    r = rng(3)
    n = 300
    A, B, C = (r.standard_normal((n, n)) / np.sqrt(n) for _ in range(3))
    a, b, c = leaf(A), leaf(B), leaf(C)
    g.mean(g.tanh(a @ b) @ c).backward()
    T = np.tanh(A @ B)
    gQ = np.full((n, n), 1.0 / (n * n))
    gP = (1 - T * T) * (gQ @ C.T)
    np.testing.assert_allclose(c.grad.numpy(), T.T @ gQ, rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(a.grad.numpy(), gP @ B.T, rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(b.grad.numpy(), A.T @ gP, rtol=1e-12, atol=1e-18)


# ------------------------------------------------------------- nothing visible changes

def test_intermediate_held_by_the_user_is_not_overwritten():
    r = rng(4)
    x, y = leaf(r.random(N)), leaf(r.random(N))
    s = g.sin(x)                      # saved by the product, and held here
    e = g.exp(s * y)                  # saved by exp (its output), and held here
    before_s, before_e = s.detach().numpy().copy(), e.detach().numpy().copy()
    e.sum().backward()
    np.testing.assert_array_equal(s.detach().numpy(), before_s)
    np.testing.assert_array_equal(e.detach().numpy(), before_e)


def test_saved_output_shared_with_a_detached_tensor_survives_backward():
    r = rng(6)
    x = leaf(r.random(N))
    out = g.exp(x)
    d = out.detach()
    before = d.numpy().copy()
    seed = g.tensor(r.random(N))
    out.backward(seed)
    np.testing.assert_array_equal(d.numpy(), before)
    np.testing.assert_allclose(x.grad.numpy(), seed.numpy() * before, rtol=1e-15)


def test_user_seed_is_not_overwritten():
    r = rng(7)
    x = leaf(r.random(N))
    seed = g.tensor(r.random(N))
    before = seed.numpy().copy()
    (g.sin(x) * g.tensor(np.full(N, 3.0))).backward(seed)
    np.testing.assert_array_equal(seed.numpy(), before)
    np.testing.assert_allclose(x.grad.numpy(), before * 3.0 * np.cos(x.detach().numpy()),
                               rtol=1e-14)


def test_value_saved_by_two_nodes_feeds_both():
    r = rng(8)
    xa, ya, za, wa = r.random(N), r.random(N), r.random(N), r.random(N) + 0.5
    x, y, z = leaf(xa), leaf(ya), leaf(za)
    t = g.exp(x)
    out = t * y + t * z
    del t                              # only the two products' saved tuples hold it now
    out.backward(g.tensor(wa))
    e = np.exp(xa)
    np.testing.assert_allclose(y.grad.numpy(), wa * e, rtol=1e-15)
    np.testing.assert_allclose(z.grad.numpy(), wa * e, rtol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), wa * e * (ya + za), rtol=1e-14)


def test_retained_gradient_of_an_intermediate_is_its_own():
    r = rng(9)
    xa = r.random(N)
    x = leaf(xa)
    h = x * 2.0
    h.retain_grad()
    g.exp(h).sum().backward()
    e = np.exp(2 * xa)
    np.testing.assert_allclose(h.grad.numpy(), e, rtol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), 2 * e, rtol=1e-15)


def test_second_backward_with_retain_graph_sees_intact_saved_values():
    r = rng(10)
    xa, ya = r.random(N), r.random(N)
    x, y = leaf(xa), leaf(ya)
    out = g.sum(g.exp(g.sin(x) * y + x * x))
    out.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first, rtol=1e-14)


def test_grad_of_an_intermediate_target_is_not_overwritten():
    r = rng(11)
    xa = r.random(N)
    x = leaf(xa)
    h = g.sin(x) * 1.0
    out = g.exp(h).sum()
    gh, gx = g.grad(out, [h, x])
    e = np.exp(np.sin(xa))
    np.testing.assert_allclose(gh.numpy(), e, rtol=1e-15)
    np.testing.assert_allclose(gx.numpy(), e * np.cos(xa), rtol=1e-14)


def test_float32_with_a_float64_seed_keeps_dtypes():
    r = rng(12)
    x = g.tensor(r.random(N).astype(np.float32), requires_grad=True)
    out = g.exp(x)
    out.backward(g.tensor(r.random(N)))          # cast to the output's dtype (float32)
    assert x.grad.dtype == np.float32


def test_every_spending_node_frees_its_saved_values():
    """spend may write into saved values only because they are released right after."""
    from gradcli.engine import node as node_mod
    seen = []
    stack = [node_mod.Node]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.spend is not None:
            seen.append(cls.__name__)
            assert cls.frees, cls.__name__
            assert cls.fast is not None, cls.__name__
    assert "MulBackward0" in seen and "ExpBackward0" in seen


# ------------------------------------------------------------- memory, counted in arrays

def _peak_arrays(fn, n):
    """Peak bytes numpy allocated during fn(), in arrays of n float64."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / (8 * n)


@exact
def test_w3_backward_allocates_one_full_array_at_a_time():
    """sum(exp(sin(x) * y + x * x)): the forward leaves two arrays saved (sin x and the
    exp); the numpy floor (bench/w3_tensors.py) needs one more at its peak. The backward
    here writes into the two saved ones and allocates one more, also at its peak (plus
    a block's temporaries)."""
    r = rng(13)
    n = 16 * buffers.CHUNK
    x, y = leaf(r.random(n)), leaf(r.random(n))
    out = g.sum(g.exp(g.sin(x) * y + x * x))
    peak = _peak_arrays(out.backward, n)
    assert peak < 1.25, f"backward peaked at {peak:.2f} new arrays"
    e = np.exp(np.sin(x.detach().numpy()) * y.detach().numpy() + x.detach().numpy() ** 2)
    np.testing.assert_allclose(y.grad.numpy(), e * np.sin(x.detach().numpy()), rtol=1e-13)


@exact
def test_tanh_backward_writes_into_its_saved_output():
    r = rng(14)
    n = 16 * buffers.CHUNK
    xa = r.random(n)
    x = leaf(xa)
    out = g.tanh(x).sum()            # the gradient reaching tanh is a broadcast view
    peak = _peak_arrays(out.backward, n)
    assert peak < 0.3, f"backward allocated {peak:.2f} arrays"
    t = np.tanh(xa)
    np.testing.assert_allclose(x.grad.numpy(), 1 - t * t, rtol=1e-14)


def test_without_exact_counts_nothing_is_reused(monkeypatch):
    """Where reference counts cannot be trusted (buffers.EXACT false) every test of
    buffers answers "shared": the same backward as above allocates its full result."""
    monkeypatch.setattr(buffers, "EXACT", False)
    r = rng(15)
    n = 16 * buffers.CHUNK
    xa = r.random(n)
    x = leaf(xa)
    out = g.tanh(x).sum()
    peak = _peak_arrays(out.backward, n)
    assert peak > 0.9, f"backward allocated only {peak:.2f} arrays"
    t = np.tanh(xa)
    np.testing.assert_allclose(x.grad.numpy(), 1 - t * t, rtol=1e-14)


# ------------------------------------------------- unary functions called on temporaries

def test_unary_function_of_a_named_tensor_leaves_it_alone():
    r = rng(16)
    xa = r.random(N)
    t = g.tensor(xa) * 2.0
    e = g.exp(t)
    np.testing.assert_array_equal(t.numpy(), xa * 2.0)
    np.testing.assert_allclose(e.numpy(), np.exp(xa * 2.0), rtol=1e-15)


def test_unary_function_called_from_c_leaves_its_arguments_alone():
    """numpy's object loops and map() call with references a container owns."""
    import functools
    r = rng(17)
    xa = r.random(N)
    objs = np.empty(2, dtype=object)
    objs[0], objs[1] = g.tensor(xa) * 1.0, g.tensor(xa) * 2.0
    out = np.frompyfunc(g.tanh, 1, 1)(objs)
    np.testing.assert_array_equal(objs[0].numpy(), xa)
    np.testing.assert_array_equal(objs[1].numpy(), xa * 2.0)
    np.testing.assert_allclose(out[1].numpy(), np.tanh(xa * 2.0), rtol=1e-15)
    ts = [g.tensor(xa) * 3.0]
    list(map(g.exp, ts))
    list(map(functools.partial(g.sqrt), ts))
    np.testing.assert_array_equal(ts[0].numpy(), xa * 3.0)


def test_unary_function_of_a_temporary_gives_right_values_and_gradients():
    r = rng(18)
    xa = r.random(N) + 0.5
    x = leaf(xa)
    out = g.sqrt(x * 2.0) + g.tanh(x * 3.0) + g.exp(x * 0.5)
    out.backward(g.tensor(np.ones(N)))
    np.testing.assert_allclose(out.detach().numpy(),
                               np.sqrt(2 * xa) + np.tanh(3 * xa) + np.exp(0.5 * xa), rtol=1e-15)
    want = 1 / np.sqrt(2 * xa) + 3 * (1 - np.tanh(3 * xa) ** 2) + 0.5 * np.exp(0.5 * xa)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-14)


@exact
def test_unary_function_of_a_temporary_allocates_one_array_not_two():
    r = rng(19)
    n = 16 * buffers.CHUNK
    x = g.tensor(r.random(n))
    held = []
    peak = _peak_arrays(lambda: held.append(g.exp(x * 2.0)), n)
    assert peak < 1.3, f"exp(x * 2) peaked at {peak:.2f} new arrays"
