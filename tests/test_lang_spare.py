"""A .gx ``+`` or ``-`` whose left operand is a big temporary (an expression's result
that nothing else holds) writes its result into that operand's array
(compiler/fast.py, engine.arith.add_spare), when the engine's one test,
``buffers.temporary``, says so. Names, attributes and values that anything
else still holds must never be written to; the values must be the ones numpy gives.
"""
import gc
import tracemalloc

import numpy as np
import pytest

from gradcli.engine import buffers
from gradcli.session import Options, Session

N = 2 * buffers.CHUNK + 7
exact = pytest.mark.skipif(not buffers.EXACT, reason="reference counts are not exact here")


def run(src, **variables):
    s = Session(Options(variables=variables))
    s.run(src, "spare.gx")
    return s.variables


def arr(v):
    return np.asarray(v.detach().numpy())


@pytest.fixture
def xy():
    r = np.random.default_rng(0)
    return r.random(N), r.random(N)


@exact
def test_temporary_is_the_engines_one_decision():
    """What the compiler asks before letting a result reuse an operand's array."""
    from gradcli.engine import Variable

    def fresh():
        v = Variable(np.ones(N)) * 2.0          # a result held by this one local
        return buffers.temporary(v)

    def named_twice():
        v = Variable(np.ones(N)) * 2.0
        w = v                                    # a second holder of the Variable
        return buffers.temporary(v), w

    def array_shared():
        v = Variable(np.ones(N)) * 2.0
        a = v.detach().numpy()                   # a second holder of the array
        return buffers.temporary(v), a

    def small():
        v = Variable(np.ones(buffers.CHUNK - 1)) * 2.0
        return buffers.temporary(v)

    assert fresh() is True
    assert named_twice()[0] is False
    assert array_shared()[0] is False
    assert small() is False


def test_w3_expression_values_and_gradients(xy):
    xa, ya = xy
    v = run("x.requires_grad_()\ny.requires_grad_()\n"
            "out = sum(exp(sin(x) * y + x * x))\nout.backward()\n", x=xa.copy(), y=ya.copy())
    e = np.exp(np.sin(xa) * ya + xa * xa)
    np.testing.assert_allclose(v["out"].item(), e.sum(), rtol=1e-12)
    np.testing.assert_allclose(arr(v["x"].grad), e * (np.cos(xa) * ya + 2 * xa), rtol=1e-13)
    np.testing.assert_allclose(arr(v["y"].grad), e * np.sin(xa), rtol=1e-13)


@pytest.mark.parametrize("src", [
    "p = x * 2\nr = p + y\n",                 # a name: p keeps its value
    "p = x * 2\nr = (p) + y\n",               # parentheses are still the name
    "def f(a):\n    return a\np = x * 2\nr = f(p) + y\n",   # a call returning a held value
    "p = x * 2\nr = p.detach() + y\n",        # a new tensor sharing p's array
    "p = x * 2\nl = [p]\nr = l[0] + y\n",     # held by a list
    "p = x * 2\nr = +p + y\n",                # unary plus gives p itself
])
@pytest.mark.parametrize("op", ["+", "-"])
def test_held_left_operands_are_not_written(xy, src, op):
    xa, ya = xy
    v = run(src.replace("+ y", f"{op} y"), x=xa.copy(), y=ya.copy())
    np.testing.assert_array_equal(arr(v["p"]), xa * 2)
    want = xa * 2 + ya if op == "+" else xa * 2 - ya
    np.testing.assert_allclose(arr(v["r"]), want, rtol=1e-15)


def test_saved_output_of_the_left_operand_is_not_written(xy):
    """exp saves its output for backward: exp(x) + y must not write into it."""
    xa, ya = xy
    v = run("x.requires_grad_()\nr = exp(x) + y\nsum(r).backward()\n", x=xa.copy(), y=ya.copy())
    np.testing.assert_allclose(arr(v["x"].grad), np.exp(xa), rtol=1e-15)
    np.testing.assert_allclose(arr(v["r"]), np.exp(xa) + ya, rtol=1e-15)


def test_broadcasting_and_dtype_changes_allocate(xy):
    xa, _ = xy
    v = run("a = (x[:10] * 1) + ones(3, 10)\nb = (x * 1) + 0.5\n"
            "c = (arange(5) * 1) + 0.5\n", x=xa.copy())
    np.testing.assert_allclose(arr(v["a"]), np.broadcast_to(xa[:10] + 1, (3, 10)))
    np.testing.assert_allclose(arr(v["b"]), xa + 0.5)
    np.testing.assert_allclose(arr(v["c"]), np.arange(5) + 0.5)


def test_float32_stays_float32(xy):
    xa, ya = xy
    v = run("r = (x * 2) + y\n", x=xa.astype(np.float32), y=ya.astype(np.float32))
    assert arr(v["r"]).dtype == np.float32
    np.testing.assert_allclose(arr(v["r"]), xa.astype(np.float32) * 2 + ya.astype(np.float32),
                               rtol=1e-6)


def _w3_forward_peak(fused=False):
    """Peak of numpy's allocations, in arrays, while the W3 forward statement runs (by
    default op by op: the chain is not fused, engine/fuse.py)."""
    from gradcli.engine import fuse
    old = fuse.THRESHOLD
    fuse.THRESHOLD = fuse.THRESHOLD if fused else 10 ** 18
    try:
        return _peak()
    finally:
        fuse.THRESHOLD = old


def _peak():
    n = 16 * buffers.CHUNK
    r = np.random.default_rng(1)
    s = Session(Options(variables={"x": r.random(n), "y": r.random(n)}))
    s.run("x.requires_grad_()\ny.requires_grad_()\n", "w3.gx")
    gc.collect()
    tracemalloc.start()
    try:
        s.run("out = sum(exp(sin(x) * y + x * x))\n", "w3.gx")
        return tracemalloc.get_traced_memory()[1] / (8 * n)
    finally:
        tracemalloc.stop()


@exact
def test_forward_peak_is_the_floors():
    """sum(exp(sin(x) * y + x * x)): the numpy floor holds 3 arrays at its forward peak;
    so does the script, because the sum is written into sin(x) * y."""
    peak = _w3_forward_peak()
    assert peak < 3.3, f"forward peaked at {peak:.2f} arrays"


def test_fused_forward_peak_is_two_arrays():
    """Fused (engine/fuse.py), the chain keeps sin(x) for its backward and its result:
    two arrays, and blocks of cache size."""
    peak = _w3_forward_peak(fused=True)
    assert 1.9 < peak < 2.3, f"forward peaked at {peak:.2f} arrays"


@exact
def test_forward_peak_without_reuse_is_one_array_more(monkeypatch):
    """The control for the test above: with no left operand taken as a temporary the
    same forward holds sin(x), sin(x) * y, x * x and their sum at once."""
    from gradcli.lang.compiler import expressions
    monkeypatch.setattr(expressions, "_MAKES_VALUES", ())
    peak = _w3_forward_peak()
    assert peak > 3.9, f"forward peaked at {peak:.2f} arrays"


@pytest.mark.parametrize("fn", ["exp", "tanh", "sqrt", "expm1", "tan", "sign", "sin", "relu"])
def test_unary_builtins_on_temporaries_and_on_held_values(xy, fn):
    xa = xy[0] + 0.5                    # away from sqrt's pole and sign's kink
    v = run(f"x.requires_grad_()\np = x * 0.5\nr = {fn}(x * 0.5) + {fn}(p)\n"
            f"q = {fn}(p)\nsum(r).backward()\n", x=xa.copy())
    f = (lambda a: np.maximum(a, 0)) if fn == "relu" else getattr(np, fn)
    np.testing.assert_array_equal(arr(v["p"]), xa * 0.5)
    np.testing.assert_allclose(arr(v["q"]), f(xa * 0.5), rtol=1e-15)
    np.testing.assert_allclose(arr(v["r"]), 2 * f(xa * 0.5), rtol=1e-15)
    h = 1e-6       # d/dx of f(x/2) + f(x/2), against central differences of numpy's f
    fd = (f((xa + h) * 0.5) - f((xa - h) * 0.5)) / (2 * h)
    np.testing.assert_allclose(arr(v["x"].grad), 2 * fd, rtol=1e-5, atol=1e-7)


@exact
def test_exp_of_a_temporary_allocates_one_array_not_two(xy):
    n = 16 * buffers.CHUNK
    r = np.random.default_rng(2)
    s = Session(Options(variables={"x": r.random(n)}))
    s.run("x.requires_grad_()\nt = exp(x * 2)\n", "w.gx")   # warm: the parse is cached
    gc.collect()
    tracemalloc.start()
    try:
        s.run("t = exp(x * 2)\n", "w.gx")
        peak = tracemalloc.get_traced_memory()[1] / (8 * n)
    finally:
        tracemalloc.stop()
    assert peak < 1.3, f"exp(x * 2) peaked at {peak:.2f} new arrays"
