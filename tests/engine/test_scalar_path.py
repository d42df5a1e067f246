"""The scalar fast paths (W2: one-element float64 values in a define-by-run loop) give the
bits the array paths give.

On numpy scalars the engine takes shortcuts: the raw derivative helpers use Python's
operators (numpy's scalar arithmetic) instead of a ufunc call, the Add/Sub/Mul rules and
the walk skip the broadcast and buffer tests that only arrays need, and the .gx
compiler calls the tensor's operator functions directly. The oracle of every test here
is the path without the shortcut: the same computation on arrays (the ufuncs, the
buffer logic) or through Python's operator protocol, compared bit for bit.
"""
import operator

import numpy as np
import pytest

import gradcli as g
from gradcli.engine import elementwise
from gradcli.engine.elementwise import UNARY
from gradcli.lang.errors import GxError
from gradcli.session import Options, Session

VALUES = [0.5, -1.25, 0.0, -0.0, 3.0, 1e-300, 7e15, np.inf, -np.inf, np.nan]
HELPERS = [("_neg_", np.negative, 1), ("_add_", np.add, 2), ("_mul_", np.multiply, 2),
           ("_rsub_", np.subtract, 2), ("_sqrt_", np.sqrt, 1)]


def same_bits(a, b):
    """Equal type, dtype and bits (NaN payloads included)."""
    assert type(a) is type(b), (type(a), type(b))
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype
    assert a.tobytes() == b.tobytes(), (a, b)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,ufunc,arity", HELPERS, ids=[h[0] for h in HELPERS])
def test_raw_helpers_on_scalars_are_the_ufunc(name, ufunc, arity, dtype):
    """Every pair of scalar operands (numpy scalars, and a Python int or float on one side
    as the rules write them) gives what the ufunc gives, type and bits."""
    helper = getattr(elementwise, name)
    scalars = [dtype(v) for v in VALUES]
    with np.errstate(all="ignore"):
        if arity == 1:
            for a in scalars:
                same_bits(helper(a), ufunc(a))
            return
        others = scalars + [1, -1, 2, 0.5]
        for a in others:
            for b in scalars:
                same_bits(helper(a, b), ufunc(a, b))
                same_bits(helper(b, a), ufunc(b, a))


def test_raw_helpers_on_python_numbers_alone_give_numpy_scalars():
    """Without a numpy scalar operand the ufunc runs, so the result is still numpy's type."""
    for name, ufunc, arity in HELPERS:
        args = (0.5,) if arity == 1 else (1, 0.5)
        same_bits(getattr(elementwise, name)(*args), ufunc(*args))


def test_raw_helpers_still_write_into_fresh_arrays():
    """The shortcut is for scalars only: a fresh array operand still takes the result."""
    d = np.array([0.25, 0.5])
    out = elementwise._rsub_(1, d)
    assert out is d and list(out) == [0.75, 0.5]


def _scalar_and_array_grads(name, v, dtype):
    """d name(x)/dx at v through the scalar path and through a one-element array."""
    op = getattr(elementwise, name)
    res = []
    for data in (dtype(v), np.array([v], dtype=dtype)):
        x = g.tensor(data, requires_grad=True)
        y = op(x)
        (y if y.ndim == 0 else y.sum()).backward()
        res.append(x.grad.numpy())
    return res


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_rules_on_scalars_are_the_array_rules(name, dtype):
    """Every unary derivative rule, on 0-d values, equals the same rule on a one-element
    array (ufunc calls, in-place buffers), bit for bit, over a spread of inputs."""
    if name in ("erf", "erfc", "erfinv"):
        pytest.importorskip("scipy.special")
    with np.errstate(all="ignore"):
        for v in [0.3, -0.7, 1.5, -2.5, 0.0, 4.0]:
            s, a = _scalar_and_array_grads(name, v, dtype)
            assert np.asarray(s).dtype == a.dtype
            assert np.asarray(s).tobytes() == a[0].tobytes(), (name, v, s, a)


def w2_engine(x0, steps=200):
    """bench/w2_scalar.py's loop on the engine: y = y*1.0001 + 0.5*x - tanh(y)*0.01."""
    x = g.tensor(x0, requires_grad=True)
    y = x
    for _ in range(steps):
        y = y * 1.0001 + 0.5 * x - g.tanh(y) * 0.01
    y.sum().backward() if y.ndim else y.backward()
    return y.detach().numpy(), x.grad.numpy()


def test_w2_loop_scalar_path_is_the_array_path():
    """The W2 loop on a 0-d tensor (all scalar shortcuts) and on a one-element array (the
    ufunc and buffer paths): the same value and gradient, bit for bit."""
    ys, gs = w2_engine(0.5)
    ya, ga = w2_engine(np.array([0.5]))
    assert np.asarray(ys).tobytes() == ya[0].tobytes()
    assert np.asarray(gs).tobytes() == ga[0].tobytes()


def test_w2_loop_gradient_is_the_hand_derived_one():
    """Against the reverse pass written by hand from the forward's tanh values (the
    bench's floor, with numpy's tanh): agreement to rounding (the sum order differs)."""
    steps = 200
    y, tape = np.float64(0.5), []
    for _ in range(steps):
        t = np.tanh(y)
        tape.append(t)
        y = y * 1.0001 + 0.5 * 0.5 - t * 0.01
    gy, gx = 1.0, 0.0
    for t in reversed(tape):
        gx += 0.5 * gy
        gy *= 1.0001 - 0.01 * (1.0 - t * t)
    gx += gy
    val, grad = w2_engine(0.5, steps)
    assert float(val) == pytest.approx(float(y), rel=1e-13)
    assert float(grad) == pytest.approx(gx, rel=1e-12)


def test_w2_loop_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(200):
        y = y * 1.0001 + 0.5 * x - torch.tanh(y) * 0.01
    y.backward()
    val, grad = w2_engine(0.5)
    assert float(val) == pytest.approx(y.item(), rel=1e-13)
    assert float(grad) == pytest.approx(x.grad.item(), rel=1e-12)


GX_W2 = """y = x
for i in range(200):
    y = y * 1.0001 + 0.5 * x - torch.tanh(y) * 0.01
y.backward()
"""


def test_w2_gx_is_the_engine_from_python():
    """The .gx script (direct operator calls, fusion hook, NaN watch) gives the engine's
    bits, for the scalar and the one-element array alike."""
    for x0 in (0.5, np.array([0.5])):
        s = Session(Options(variables={"x": g.tensor(x0, requires_grad=True)}))
        s.run("import torch\n" + GX_W2.replace("y.backward()", "y.sum().backward()"), "w2.gx")
        want_y, want_g = w2_engine(x0)
        assert s.variables["y"].detach().numpy().tobytes() == np.asarray(want_y).tobytes()
        assert s.variables["x"].grad.numpy().tobytes() == np.asarray(want_g).tobytes()


# -- the .gx operators: a direct call of the tensor's operator function must be exactly
# what Python's operator protocol gives (value, dtype, node names) -----------------------

OPS = ["+", "-", "*", "/"]
LEFT_RIGHT = [("t", "2"), ("t", "2.5"), ("t", "True"), ("t", "u"), ("2", "t"), ("2.5", "t"),
              ("True", "t"), ("False", "t"), ("t", "[1.0, 2.0]"), ("[1.0, 2.0]", "t"),
              ("t32", "3"), ("3", "t32"), ("ti", "2"), ("2", "ti"), ("2.5", "ti")]


def _protocol(op, left, right, env):
    a = env[left] if left in env else eval(left)
    b = env[right] if right in env else eval(right)
    return {"+": operator.add, "-": operator.sub, "*": operator.mul,
            "/": operator.truediv}[op](a, b)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("left,right", LEFT_RIGHT)
def test_gx_operators_are_the_operator_protocol(op, left, right):
    def env():
        return {"t": g.tensor([1.5, -2.0], requires_grad=True),
                "u": g.tensor([0.25, 4.0], requires_grad=True),
                "t32": g.tensor(np.array([1.5, -2.0], dtype=np.float32), requires_grad=True),
                "ti": g.tensor([3, 4])}
    s = Session(Options(variables=env()))
    try:
        want = _protocol(op, left, right, env())
    except Exception as err:           # the same refusal, with the engine's words
        with pytest.raises(GxError) as got:
            s.run(f"r = {left} {op} {right}\n", "ops.gx")
        assert str(err) in str(got.value)
        return
    s.run(f"r = {left} {op} {right}\n", "ops.gx")
    got = s.variables["r"]
    assert type(got) is type(want)
    assert got.dtype == want.dtype
    assert got.detach().numpy().tobytes() == want.detach().numpy().tobytes()
    name = (lambda v: None if v.grad_fn is None else v.grad_fn.name)
    assert name(got) == name(want)
    if want.grad_fn is not None:
        assert [None if n is None else n.name for n, _ in got.grad_fn.next_functions] == \
            [None if n is None else n.name for n, _ in want.grad_fn.next_functions]
