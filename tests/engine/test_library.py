"""The op library beyond the registry's gradchecks: values against the maths (math,
closed forms), the constants, errors a user can cause, and
torch.autograd.functional's products against closed-form Jacobians and Hessians."""
from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import gradcli.engine as E
from gradcli.engine import functional_nn as F
from gradcli.engine.errors import EngineError, EngineValueError, ShapeError

from .registry import HAVE_SCIPY


def test_constants_are_maths():
    assert (E.pi, E.e) == (math.pi, math.e)
    assert E.inf == math.inf and math.isnan(E.nan)


needs_scipy = pytest.mark.skipif(not HAVE_SCIPY, reason="erf, erfc, erfinv need scipy (gradcli[special])")


@pytest.mark.parametrize("name,ref", [
    pytest.param("erf", math.erf, marks=needs_scipy), pytest.param("erfc", math.erfc, marks=needs_scipy),
    ("log2", math.log2), ("log10", math.log10),
    ("exp2", lambda v: 2.0 ** v), ("asinh", math.asinh), ("atanh", math.atanh),
    ("floor", math.floor), ("ceil", math.ceil), ("trunc", math.trunc),
    ("rsqrt", lambda v: 1 / math.sqrt(v)), ("reciprocal", lambda v: 1 / v),
    ("logsigmoid", lambda v: -math.log1p(math.exp(-v))),
    ("sinc", lambda v: math.sin(math.pi * v) / (math.pi * v)),
])
def test_unary_values_are_maths(name, ref):
    xs = [0.3, 0.75, 2.0] if name in ("rsqrt", "log2", "log10") else [0.3, 0.75, -0.4]
    got = getattr(E, name)(E.tensor(xs)).tolist()
    np.testing.assert_allclose(got, [ref(v) for v in xs], rtol=1e-14)


@needs_scipy
def test_erfinv_inverts_erf_and_acosh_inverts_cosh():
    x = np.array([-0.9, -0.2, 0.0, 0.5, 0.99])
    np.testing.assert_allclose([math.erf(v) for v in E.erfinv(E.tensor(x)).tolist()], x, rtol=1e-14)
    np.testing.assert_allclose(E.acosh(E.tensor([1.5, 3.0])).tolist(),
                               [math.acosh(1.5), math.acosh(3.0)], rtol=1e-15)


def test_round_is_half_to_even_and_frac_keeps_the_sign():
    assert E.round(E.tensor([0.5, 1.5, 2.5, -0.5, -1.5])).tolist() == [0.0, 2.0, 2.0, -0.0, -2.0]
    np.testing.assert_allclose(E.frac(E.tensor([1.25, -1.25])).tolist(), [0.25, -0.25])
    assert E.floor(E.tensor([3, -2])).dtype == np.int64        # integer tensors stay integer


def test_binary_values_are_maths():
    a, b = [0.5, -2.0, 3.0], [1.5, 0.25, -4.0]
    np.testing.assert_allclose(E.atan2(E.tensor(a), E.tensor(b)).tolist(),
                               [math.atan2(p, q) for p, q in zip(a, b)], rtol=1e-15)
    np.testing.assert_allclose(E.hypot(E.tensor(a), E.tensor(b)).tolist(),
                               [math.hypot(p, q) for p, q in zip(a, b)], rtol=1e-15)
    assert E.xlogy(E.tensor([0.0, 2.0]), E.tensor([0.0, math.e])).tolist() == [0.0, 2.0]
    assert E.lerp(E.tensor([1.0]), E.tensor([3.0]), 0.25).tolist() == [1.5]
    assert E.addcmul(E.tensor([1.0]), E.tensor([2.0]), E.tensor([3.0]), value=0.5).tolist() == [4.0]
    assert E.addcdiv(E.tensor([1.0]), E.tensor([2.0]), E.tensor([4.0]), value=2).tolist() == [2.0]
    x = E.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert E.square(x).tolist() == [[1.0, 4.0], [9.0, 16.0]]


def test_ellipsis_indexing():
    x = E.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    assert x[..., 1].shape == (2, 3) and x[0, ...].shape == (3, 4) and x[0, ..., 2].shape == (3,)
    x[..., 1].sum().backward()
    assert x.grad.numpy()[:, :, 1].tolist() == [[1.0] * 3] * 2 and x.grad.numpy().sum() == 6


def test_mm_is_for_matrices_only():
    a = E.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert E.mm(a, a).tolist() == [[7.0, 10.0], [15.0, 22.0]]
    with pytest.raises(ShapeError, match="matrix"):
        E.mm(a, E.tensor([1.0, 2.0]))


def test_einsum_values_and_errors():
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(E.einsum("ij,jk->ik", E.tensor(a), E.tensor(b)).numpy(), a @ b)
    np.testing.assert_array_equal(E.einsum("ij", E.tensor(a)).numpy(), a)
    np.testing.assert_array_equal(E.einsum("ji", E.tensor(a)).numpy(), a.T)   # implicit: sorted
    assert E.einsum("ii", E.tensor(np.eye(3) * 2)).item() == 6.0
    with pytest.raises(ShapeError, match="subscript j"):
        E.einsum("ij,jk->ik", E.tensor(a), E.tensor(a))
    with pytest.raises(EngineValueError, match="operands"):
        E.einsum("ij,jk->ik", E.tensor(a))
    with pytest.raises(EngineValueError, match="output"):
        E.einsum("ij->iz", E.tensor(a))


def test_special_functions_say_what_they_need_without_scipy(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.special", None)
    with pytest.raises(EngineValueError, match=r"erf needs scipy \(pip install 'gradcli\[special\]'\)"):
        E.erf(E.tensor([0.5]))


# ------------------------------------------------------------------ nn.functional

def test_losses_against_their_formulas():
    x = np.array([[0.2, -1.0, 3.0], [0.5, 0.5, -2.0]])
    t = np.array([[0.0, -0.5, 1.0], [2.0, 0.4, -2.5]])
    z = x - t
    X, T = E.tensor(x), E.tensor(t)
    assert F.mse_loss(X, T).item() == pytest.approx(np.mean(z * z), rel=1e-15)
    assert F.l1_loss(X, T, reduction="sum").item() == pytest.approx(np.abs(z).sum(), rel=1e-15)
    hub = np.where(np.abs(z) < 1.5, 0.5 * z * z, 1.5 * (np.abs(z) - 0.75))
    np.testing.assert_allclose(F.huber_loss(X, T, reduction="none", delta=1.5).numpy(), hub)
    sl1 = np.where(np.abs(z) < 0.5, 0.5 * z * z / 0.5, np.abs(z) - 0.25)
    assert F.smooth_l1_loss(X, T, beta=0.5).item() == pytest.approx(sl1.mean(), rel=1e-15)


def test_cross_entropy_is_minus_log_softmax_at_the_target():
    x = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]])
    logp = x - np.log(np.exp(x).sum(1, keepdims=True))
    got = F.cross_entropy(E.tensor(x), E.tensor([1, 2]), reduction="none").tolist()
    np.testing.assert_allclose(got, [-logp[0, 1], -logp[1, 2]], rtol=1e-14)
    w = np.array([0.5, 2.0, 1.0])
    got = F.cross_entropy(E.tensor(x), E.tensor([1, 0]), weight=E.tensor(w)).item()
    want = (-w[1] * logp[0, 1] - w[0] * logp[1, 0]) / (w[1] + w[0])
    assert got == pytest.approx(want, rel=1e-14)
    ls = F.cross_entropy(E.tensor(x), E.tensor([1, 2]), label_smoothing=0.3).item()
    q = np.full((2, 3), 0.1) + 0.7 * np.eye(3)[[1, 2]]        # smoothed one-hot targets
    assert ls == pytest.approx(-(q * logp).sum(1).mean(), rel=1e-14)


def test_bce_with_logits_is_bce_of_the_sigmoid():
    x = np.array([-2.0, 0.3, 4.0])
    t = np.array([0.0, 0.6, 1.0])
    p = 1 / (1 + np.exp(-x))
    want = -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean()
    assert F.binary_cross_entropy_with_logits(E.tensor(x), E.tensor(t)).item() == pytest.approx(want, rel=1e-13)
    assert F.binary_cross_entropy(E.tensor(p), E.tensor(t)).item() == pytest.approx(want, rel=1e-13)


@pytest.mark.parametrize("call,kind,text", [
    (lambda: F.mse_loss(E.tensor([1.0]), E.tensor([1.0]), reduction="avg"), EngineValueError,
     "avg is not a valid value for reduction"),
    (lambda: F.cross_entropy(E.tensor([[1.0, 2.0]]), E.tensor([2])), EngineValueError,
     "Target 2 is out of bounds"),
    (lambda: F.cross_entropy(E.tensor([[1.0, 2.0]]), E.tensor([[0, 1]])), ShapeError,
     "expected target of shape"),
    (lambda: F.nll_loss(E.tensor([[1.0, 2.0]]), E.tensor([0.5])), EngineValueError,
     "class indices of an integer dtype"),
    (lambda: F.binary_cross_entropy(E.tensor([1.5]), E.tensor([1.0])), EngineValueError,
     "between 0 and 1"),
    (lambda: F.gelu(E.tensor([1.0]), approximate="fast"), EngineValueError, "none or tanh"),
    (lambda: F.linear(E.tensor([[1.0, 2.0]]), E.tensor([[1.0, 2.0, 3.0]]), E.tensor([0.0])),
     ShapeError, "cannot be multiplied"),
])
def test_user_errors_are_engine_errors_with_pytorchs_words(call, kind, text):
    with pytest.raises(kind, match=text) as info:
        call()
    assert isinstance(info.value, EngineError)


# ------------------------------------------------------- autograd.functional

A = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]])
S = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, -1.0], [0.0, -1.0, 4.0]])
V3, V2 = np.array([0.5, -1.0, 2.0]), np.array([1.5, -0.5])


def test_products_of_a_linear_map_are_its_matrix():
    f = lambda x: E.tensor(A) @ x
    out, jv = E.jvp(f, E.tensor([0.1, 0.2, 0.3]), E.tensor(V3))
    np.testing.assert_allclose(jv.numpy(), A @ V3, rtol=1e-15)
    _, vj = E.vjp(f, E.tensor([0.1, 0.2, 0.3]), E.tensor(V2))
    np.testing.assert_allclose(vj.numpy(), V2 @ A, rtol=1e-15)
    np.testing.assert_allclose(out.numpy(), A @ [0.1, 0.2, 0.3], rtol=1e-15)


def test_hessian_products_of_a_quadratic_are_its_matrix():
    f = lambda x: x @ (E.tensor(S) @ x) * 0.5 + x.sum()      # Hessian S (symmetric)
    x0 = E.tensor([0.3, -0.2, 1.0])
    for prod in (E.hvp, E.vhp):
        val, hv = prod(f, x0, E.tensor(V3))
        np.testing.assert_allclose(hv.numpy(), S @ V3, rtol=1e-14)
    np.testing.assert_allclose(E.hessian(f, x0).numpy(), S, rtol=1e-14)
    assert not val.requires_grad and not hv.requires_grad


def test_hessian_of_several_inputs_is_a_tuple_of_tuples():
    f = lambda a, b: (a * a * b).sum()                       # d²/da² = 2b, d²/dadb = 2a, d²/db² = 0
    H = E.hessian(f, (E.tensor([1.0, 2.0]), E.tensor([3.0, 4.0])))
    assert [[h.tolist() for h in row] for row in H] == [
        [[[6.0, 0.0], [0.0, 8.0]], [[2.0, 0.0], [0.0, 4.0]]],
        [[[2.0, 0.0], [0.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]]]]


def test_products_with_tuples_and_errors():
    f = lambda a, b: a * b
    _, (ga, gb) = E.vjp(f, (E.tensor([1.0, 2.0]), E.tensor([3.0, 4.0])), E.tensor([1.0, 1.0]))
    assert (ga.tolist(), gb.tolist()) == ([3.0, 4.0], [1.0, 2.0])
    _, jv = E.jvp(f, (E.tensor([1.0, 2.0]), E.tensor([3.0, 4.0])),
                  (E.tensor([1.0, 0.0]), E.tensor([0.0, 1.0])))
    assert jv.tolist() == [3.0, 2.0]
    with pytest.raises(EngineError, match="v can only be None"):
        E.vjp(lambda x: x * 2, E.tensor([1.0, 2.0]))
    with pytest.raises(EngineError, match="single element"):
        E.hvp(lambda x: x * 2, E.tensor([1.0, 2.0]), E.tensor([1.0, 1.0]))


def test_every_unary_row_is_an_op_of_that_name_with_its_node():
    """The unary table's rows are spelled out as module functions (no globals() injection):
    a row without its definition, or with another node, fails here."""
    from gradcli.engine import elementwise as ew
    for name, (node_name, *_rest) in ew.UNARY.items():
        op = getattr(ew, name)
        assert op.__name__ == name and op.node.name == node_name
        assert getattr(E, name) is op
        if HAVE_SCIPY or name not in ("erf", "erfc", "erfinv"):
            assert getattr(E.tensor([1.0]), name)().shape == (1,)


def test_engine_all_lists_every_public_name():
    """__all__ is spelled out (for linters); gradcli.<name> reaches only what it lists."""
    import types
    public = {n for n in dir(E) if not n.startswith("_")
              and not isinstance(getattr(E, n), types.ModuleType)}   # submodules come and go
    assert public <= set(E.__all__) and all(hasattr(E, n) for n in E.__all__)
