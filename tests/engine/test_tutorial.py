"""The seed tutorial and the engine-level equivalents of ../shared/acceptance/a*.gx.

Expected numbers come from those scripts (worked out by hand and with PyTorch).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from gradcli import Variable, grad, no_grad, tensor
from gradcli.engine import allclose, manual_seed, ones, randn, stack, tanh


def test_seed_tutorial():
    x = Variable(ones(2, 2), requires_grad=True)
    y = x + 2
    assert y.grad_fn.name == "AddBackward0"
    assert y.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    z = y * y * 3
    out = z.mean()
    assert z.tolist() == [[27.0, 27.0], [27.0, 27.0]]
    assert out.item() == 27.0
    assert out.grad_fn.name == "MeanBackward0"
    out.backward()
    assert x.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]


def test_seed_tutorial_while_loop():
    manual_seed(0)
    x = Variable(randn(3), requires_grad=True)
    y = x * 2
    doublings = 1
    while y.data.norm() < 1000:
        y = y * 2
        doublings += 1
    assert np.linalg.norm(y.tolist()) >= 1000
    assert np.linalg.norm(y.tolist()) < 2000 or doublings == 1
    seed = tensor([0.1, 1.0, 0.0001])
    y.backward(seed)
    assert allclose(x.grad, np.array([0.1, 1.0, 0.0001]) * 2.0 ** doublings)


def test_a02_while_deterministic():
    x = tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x * 2
    n = 0
    while y.data.norm() < 1000:
        y = y * 2
        n += 1
    assert n == 8
    assert y.shape == (3,)
    y.backward(tensor([0.1, 1.0, 0.0001]))
    assert allclose(x.grad, [51.2, 512.0, 0.0512])


def test_a03_broadcast():
    a = tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
    b = tensor([10., 20., 30.], requires_grad=True)
    c = tensor([[1.], [-1.]], requires_grad=True)
    s = tensor(0.5, requires_grad=True)
    out = ((a * b + c) * s).sum()
    out.backward()
    assert allclose(out, 230.0)
    assert allclose(a.grad, [[5., 10., 15.], [5., 10., 15.]])
    assert allclose(b.grad, [2.5, 3.5, 4.5])
    assert c.grad.shape == (2, 1) and allclose(c.grad, [[1.5], [1.5]])
    assert s.grad.shape == () and allclose(s.grad, 460.0)


def test_a04_reductions():
    x = tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
    out = (x.sum(dim=0) ** 2).sum() + (x.mean(dim=1, keepdim=True) * x).sum()
    out.backward()
    assert allclose(out, 242.0)
    assert allclose(x.grad, [[14., 18., 22.], [20., 24., 28.]])


def test_a05_matmul():
    A = tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
    B = tensor([[1., -1.], [0., 2.], [3., 1.]], requires_grad=True)
    C = A @ B
    out = (C ** 2).sum()
    out.backward()
    assert allclose(C, [[10., 6.], [22., 12.]])
    assert allclose(A.grad, [[8., 24., 72.], [20., 48., 156.]])
    assert allclose(B.grad, [[196., 108.], [260., 144.], [324., 180.]])


def test_a06_accumulate_retain():
    x = tensor([1., 2.], requires_grad=True)
    y = (x ** 2).sum()
    y.backward(retain_graph=True)
    assert allclose(x.grad, [2., 4.])
    y.backward()
    assert allclose(x.grad, [4., 8.])
    (3 * x).sum().backward()
    assert allclose(x.grad, [7., 11.])


def test_a07_diamond():
    # a reused intermediate must be counted once per use, not once per path walk
    x = tensor(3.0, requires_grad=True)
    a = x * 2
    b = a + a * a
    c = b * a
    c.backward()
    assert allclose(c, 252.0)
    assert allclose(x.grad, 240.0)


def test_a08_higher_order():
    x = tensor(0.5, requires_grad=True)
    d1, = grad(tanh(x), x, create_graph=True)
    d2, = grad(d1, x, create_graph=True)
    d3, = grad(d2, x, create_graph=True)
    d4, = grad(d3, x)
    assert allclose(stack([d1, d2, d3, d4]), [0.7864477329659274, -0.7268619813835874,
                                               -0.5652092882597702, 3.9522195637245834])
    # and from the closed forms: t = tanh(x); t' = 1 - t^2; t'' = -2 t t'; ...
    t = math.tanh(0.5)
    s = 1 - t * t
    assert d1.item() == pytest.approx(s, rel=1e-12)
    assert d2.item() == pytest.approx(-2 * t * s, rel=1e-12)
    assert d3.item() == pytest.approx(-2 * s * s + 4 * t * t * s, rel=1e-12)
    assert d4.item() == pytest.approx(16 * t * s * s - 8 * t ** 3 * s, rel=1e-12)


def test_a09_define_by_run():
    # Newton's method for sqrt(2), differentiated through the data-dependent loop.
    def newton_sqrt(a):
        r = a / 2
        while abs(r * r - a).item() > 1e-12:
            r = (r + a / r) / 2
        return r

    a = tensor(2.0, requires_grad=True)
    r = newton_sqrt(a)
    r.backward()
    assert allclose(r, 1.4142135623730951)
    assert allclose(a.grad, 0.35355339059327373)   # d sqrt(a)/da = 1 / (2 sqrt 2)


def test_x01_nonscalar_and_x02_twice_are_errors():
    from gradcli.engine import AutogradError
    x = tensor([1., 2., 3.], requires_grad=True)
    with pytest.raises(AutogradError, match="only for scalar outputs"):
        (x * 2).backward()
    x = tensor([1., 2.], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(AutogradError, match="retain_graph=True"):
        y.backward()


def test_tutorial_under_no_grad_records_nothing():
    x = Variable(ones(2, 2), requires_grad=True)
    with no_grad():
        out = ((x + 2) * (x + 2) * 3).mean()
    assert out.grad_fn is None and not out.requires_grad


def test_while_loop_with_a_float32_seed_like_torch_floattensor():
    # the tutorial seeds with torch.FloatTensor([0.1, 1.0, 0.0001]) (float32) into float64
    x = tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    y.backward(tensor([0.1, 1.0, 0.0001], dtype=np.float32))
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.tolist(),
                               np.array([0.1, 1.0, 0.0001], dtype=np.float32).astype(float) * 512,
                               rtol=1e-15)
