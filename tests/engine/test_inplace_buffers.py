"""The engine's buffer reuse stays correct with in-place ops, views, ``.data`` and
``detach()``: an array that a name, a view or a saved value can still see is never
written by the engine's own reuse (spend rules, unary ops into a temporary, the
compiler's ``+``/``-`` into a temporary, gradient accumulation). Arrays are above
buffers.CHUNK so that every reuse path is live; expected values come from numpy.
"""
import numpy as np
import pytest

import gradcli.engine as E
from gradcli.engine import buffers
from gradcli.session import Options, Session

N = 2 * buffers.CHUNK + 11
exact = pytest.mark.skipif(not buffers.EXACT, reason="reference counts are not exact here")


def data(seed=0):
    return np.random.default_rng(seed).uniform(0.5, 1.5, N)


def leaf(a):
    return E.tensor(a.copy(), requires_grad=True)


# how a user can keep seeing a tensor's memory after dropping the tensor itself
SEERS = {
    "view": lambda t: t[0:N],
    "element": lambda t: t[5],
    "reshape": lambda t: t.view(1, N),
    "detach": lambda t: t.detach(),
    "data": lambda t: t.data,
}


@exact
@pytest.mark.parametrize("seer", sorted(SEERS))
def test_spend_never_writes_into_an_array_still_seen(seer):
    xa, wa = data(1), data(2)
    x, w = leaf(xa), leaf(wa)
    a = x * 2                               # MulBackward0 below saves a; spend may write into it
    y = a.exp()                             # ExpBackward0 saves y's array
    seen_a = SEERS[seer](a)
    seen_y = SEERS[seer](y)
    want_a = np.array(seen_a.tolist())
    want_y = np.array(seen_y.tolist())
    z = (a * w + y * w).sum()
    del a, y
    z.backward()
    assert np.array(seen_a.tolist()).tolist() == want_a.tolist()
    assert np.array(seen_y.tolist()).tolist() == want_y.tolist()
    np.testing.assert_allclose(x.grad.numpy(), 2 * wa + 2 * wa * np.exp(2 * xa), rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), 2 * xa + np.exp(2 * xa), rtol=1e-12)


@exact
@pytest.mark.parametrize("seer", sorted(SEERS))
def test_unary_into_a_temporary_never_writes_a_seen_array(seer):
    ya = data(3)
    y = E.tensor(ya.copy())
    want = ya[5] if seer == "element" else ya
    for f in (E.exp, E.tanh, E.sqrt, E.expm1):
        out = f(SEERS[seer](y))              # the argument is a temporary; its memory is y's
        np.testing.assert_allclose(np.asarray(out.tolist()).reshape(-1),
                                   np.reshape(getattr(np, f.__name__)(want), -1), rtol=1e-15)
        assert y.tolist() == ya.tolist()


@exact
def test_inplace_snapshot_may_be_spent_but_the_tensor_is_not():
    xa, wa = data(4), data(5)
    x, w = leaf(xa), leaf(wa)
    y = x * 1
    y.mul_(w)                               # MulBackward0 saves the old y privately
    y.exp_()
    keep = np.array(y.tolist())
    (y * 1).sum().backward()
    assert y.tolist() == keep.tolist()      # y itself is never a spend target
    e = np.exp(xa * wa)
    np.testing.assert_allclose(x.grad.numpy(), e * wa, rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), e * xa, rtol=1e-12)


@exact
def test_grad_written_in_place_does_not_touch_the_next_accumulation():
    xa = data(6)
    x = leaf(xa)
    (x * 3).sum().backward()
    g = x.grad
    with E.no_grad():
        x -= 0.1 * x.grad                   # an SGD step, in place on the leaf
    g.zero_()                               # the user clears the old gradient object
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (xa - 0.3), rtol=1e-12)


GX_SEERS = ["y.t()", "y.detach()", "y.view(-1)", "y[0:n]", "y.reshape(n)"]


@exact
@pytest.mark.parametrize("expr", GX_SEERS)
def test_compiler_spare_add_never_writes_a_view_of_a_name(expr):
    ya = data(7)
    s = Session(Options(variables={"y": ya.copy(), "n": N}))
    s.run(f"z = {expr} + 1\nw = {expr} - 1\nu = exp({expr})\n", "spare.gx")
    v = s.variables
    assert v["y"].tolist() == ya.tolist()
    np.testing.assert_allclose(np.asarray(v["z"].tolist()).reshape(-1), ya + 1, rtol=1e-15)
    np.testing.assert_allclose(np.asarray(v["w"].tolist()).reshape(-1), ya - 1, rtol=1e-15)
    np.testing.assert_allclose(np.asarray(v["u"].tolist()).reshape(-1), np.exp(ya), rtol=1e-15)
