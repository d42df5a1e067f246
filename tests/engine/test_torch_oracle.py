"""Optional cross-checks against PyTorch: every registry sample, run on PyTorch through
the same sample function, must give the same value, the same gradient (a random
vector-Jacobian product, with and without create_graph) and the same second derivative
(the gradient of that gradient against another random vector), in float64.

Skipped when torch is not installed (the project's venv has no torch). Run by hand:
    PYTHONPATH=/work/main /tmp/oracle/bin/python -m pytest tests/engine/test_torch_oracle.py
"""
from __future__ import annotations

import contextlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from . import registry  # noqa: E402
from .registry import SAMPLES  # noqa: E402


def _t(x):
    if isinstance(x, (np.ndarray, np.generic)):
        return torch.from_numpy(np.array(x))
    if isinstance(x, float):
        return torch.tensor(x, dtype=torch.float64)
    return x


def _reduce_dims(x, d):
    return tuple(range(x.ndim)) if d is None else d


class TorchOps:
    """The engine's module-level API (as the registry calls it) spelled in PyTorch."""

    def __getattr__(self, name):
        if name in ("exp", "log", "log1p", "expm1", "sqrt", "abs", "sign", "sin", "cos", "tan",
                    "asin", "acos", "atan", "sinh", "cosh", "tanh", "sigmoid", "relu",
                    "pow", "add", "sub", "mul", "div", "matmul", "dot",
                    "outer", "det", "trace", "diag", "squeeze", "unsqueeze", "transpose",
                    "flatten", "cumsum", "softmax", "log_softmax",
                    "log2", "log10", "exp2", "erf", "erfc", "erfinv", "asinh", "acosh", "atanh",
                    "atan2", "hypot", "floor", "ceil", "trunc", "round", "frac", "square",
                    "reciprocal", "rsqrt", "sinc", "xlogy", "lerp", "addcmul", "addcdiv", "mm",
                    "einsum"):
            return getattr(torch, name)
        if name == "logsigmoid":
            return torch.nn.functional.logsigmoid
        raise AttributeError(name)

    @staticmethod
    def tensor(data, **kw):
        t = torch.tensor(np.asarray(data))
        return t.double() if t.is_floating_point() else t

    @staticmethod
    def maximum(a, b):
        return torch.maximum(a, _t(b))

    @staticmethod
    def minimum(a, b):
        return torch.minimum(a, _t(b))

    @staticmethod
    def permute(x, *dims):
        return x.permute(*dims)

    @staticmethod
    def softplus(x):
        return torch.nn.functional.softplus(x)

    @staticmethod
    def clamp(x, min=None, max=None):
        return torch.clamp(x, min, max)

    @staticmethod
    def where(c, a, b):
        return torch.where(_t(c), a, b)

    @staticmethod
    def inv(x):
        return torch.linalg.inv(x)

    @staticmethod
    def solve(a, b):
        return torch.linalg.solve(a, b)

    @staticmethod
    def reshape(x, *shape):
        return x.reshape(*shape)

    view = reshape

    @staticmethod
    def expand(x, *shape):
        return x.expand(*shape)

    @staticmethod
    def cat(ts, dim=0):
        return torch.cat(list(ts), dim)

    @staticmethod
    def stack(ts, dim=0):
        return torch.stack(list(ts), dim)

    @staticmethod
    def sum(x, d=None, kd=False):
        return torch.sum(x, _reduce_dims(x, d), keepdim=kd) if x.ndim else x * 1

    @staticmethod
    def mean(x, d=None, kd=False):
        return torch.mean(x, _reduce_dims(x, d), keepdim=kd) if x.ndim else x * 1

    @staticmethod
    def prod(x, d=None, kd=False):
        if d is None:
            out = torch.prod(x)
            return out.reshape((1,) * x.ndim) if kd else out
        if isinstance(d, int):
            return torch.prod(x, d, keepdim=kd)
        for a in sorted(d, key=lambda a: a % x.ndim,
                        reverse=True):
            x = torch.prod(x, a, keepdim=kd)
        return x

    @staticmethod
    def norm(x, p="fro", dim=None, keepdim=False):
        ord = 2 if p == "fro" else p
        return torch.linalg.vector_norm(x, ord, dim=dim, keepdim=keepdim)

    @staticmethod
    def logsumexp(x, d=None, kd=False):
        return torch.logsumexp(x, _reduce_dims(x, d) if x.ndim else 0, keepdim=kd)

    @staticmethod
    def var(x, d=None, kd=False, correction=None, unbiased=None):
        c = 1 if correction is None else correction
        if unbiased is not None:
            c = int(unbiased)
        return torch.var(x, d, keepdim=kd, correction=c)

    @staticmethod
    def std(x, d=None, kd=False, correction=None, unbiased=None):
        c = 1 if correction is None else correction
        if unbiased is not None:
            c = int(unbiased)
        return torch.std(x, d, keepdim=kd, correction=c)

    @staticmethod
    def max(x, d=None, kd=False, axis=None, keepdims=None):
        d = axis if axis is not None else d
        kd = keepdims if keepdims is not None else kd
        return torch.max(x) if d is None else torch.max(x, d, kd)

    @staticmethod
    def min(x, d=None, kd=False):
        return torch.min(x) if d is None else torch.min(x, d, kd)


@contextlib.contextmanager
def on_torch():
    old, old_f = registry.E.impl, registry.F.impl
    registry.E.impl, registry.F.impl = TorchOps(), torch.nn.functional
    try:
        yield
    finally:
        registry.E.impl, registry.F.impl = old, old_f


def _np(t):
    return t.detach().numpy(force=True) if isinstance(t, torch.Tensor) else np.asarray(t._data)


# Samples where PyTorch 2.13's plain backward (no create_graph) is not the oracle.
KNOWN_DIFFERENCES: dict[str, str] = {}

# det of a singular matrix: our gradient is the cofactor matrix; PyTorch's plain backward
# gives zeros when its LU meets an exactly zero pivot and the cofactors otherwise, which
# depends on the matrix and the LAPACK build (the rank-2 3x3 gives either), so these are
# checked against the cofactors computed from minors, and PyTorch's answer against
# "zeros or the cofactors" (test_singular_det_plain_backward below).
SINGULAR_DET = ("det[singular 2x2]", "det[singular 3x3 rank 2]", "det[singular in a batch]")


def _cases(known=None, leave_out=()):
    for s in SAMPLES:
        if s.id in leave_out:
            continue
        reason = (known or {}).get(s.id)
        yield pytest.param(s, id=s.id, marks=[pytest.mark.xfail(reason=reason, strict=True)]
                           if reason else [])


def _torch_out(sample, ts):
    with on_torch():
        try:
            return sample.fn(*ts)
        except AttributeError as e:   # an engine method PyTorch does not have (x.softplus())
            pytest.skip(f"PyTorch has no such method: {e}")


def _cofactors(a):
    """The cofactor matrix of each matrix in ``a`` (..., n, n), from its minors."""
    a = np.asarray(a, dtype=np.float64)
    n = a.shape[-1]
    out = np.empty_like(a)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, axis=-2), j, axis=-1)
            out[..., i, j] = (-1) ** (i + j) * (np.linalg.det(minor) if n > 1 else 1.0)
    return out


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.id in SINGULAR_DET], ids=lambda s: s.id)
def test_singular_det_plain_backward(sample):
    from gradcli.engine import grad, tensor
    (a,) = sample.inputs
    assert np.allclose(np.linalg.det(a).min(), 0) and len(SINGULAR_DET) == 3
    w = np.random.default_rng(11).standard_normal(np.shape(np.linalg.det(a)))
    expected = np.asarray(w)[..., None, None] * _cofactors(a)
    xs = sample.variables()
    (g,) = grad(sample.fn(*xs), list(xs), grad_outputs=tensor(w))
    np.testing.assert_allclose(_np(g), expected, rtol=1e-9, atol=1e-12)
    t = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(_torch_out(sample, [t]), [t], grad_outputs=torch.tensor(w))
    theirs = _np(tg)
    for k in np.ndindex(np.shape(w)):          # each matrix: zeros or the cofactors
        assert (np.allclose(theirs[k], 0) or np.allclose(theirs[k], expected[k], rtol=1e-9)), k


@pytest.mark.parametrize("sample", list(_cases(KNOWN_DIFFERENCES, leave_out=SINGULAR_DET)))
def test_plain_backward_matches_torch(sample):
    """The walk without create_graph (the engine's fast path) against PyTorch's."""
    from gradcli.engine import grad, tensor

    rng = np.random.default_rng(11)
    xs = sample.variables()
    out = sample.fn(*xs)
    w = rng.standard_normal(out.shape)
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in sample.inputs]
    tout = _torch_out(sample, ts)
    gs = grad(out, list(xs), grad_outputs=tensor(w), allow_unused=True)
    try:
        tgs = torch.autograd.grad(tout, ts, grad_outputs=torch.tensor(w), allow_unused=True)
    except RuntimeError as e:
        if "not implemented" in str(e):
            pytest.skip(f"PyTorch: {e}")
        raise
    for k, (g, tg) in enumerate(zip(gs, tgs)):
        ga = np.zeros(sample.inputs[k].shape) if g is None else _np(g)
        tga = np.zeros(sample.inputs[k].shape) if tg is None else _np(tg)
        np.testing.assert_allclose(ga, tga, rtol=1e-9, atol=1e-10, err_msg=f"gradient of input {k}")


@pytest.mark.parametrize("sample", list(_cases()))
def test_matches_torch(sample):
    from gradcli.engine import grad, tensor

    rng = np.random.default_rng(7)
    xs = sample.variables()
    out = sample.fn(*xs)
    w = rng.standard_normal(out.shape)
    us = [rng.standard_normal(a.shape) for a in sample.inputs]

    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in sample.inputs]
    tout = _torch_out(sample, ts)
    assert tuple(tout.shape) == out.shape, f"shape {out.shape} != torch {tuple(tout.shape)}"
    np.testing.assert_allclose(_np(out), _np(tout), rtol=1e-10, atol=1e-12)

    # first order: vector-Jacobian product with w
    gs = grad(out, list(xs), grad_outputs=tensor(w), create_graph=True, allow_unused=True)
    try:
        tgs = torch.autograd.grad(tout, ts, grad_outputs=torch.tensor(w), create_graph=True,
                                  allow_unused=True)
    except RuntimeError as e:
        if "not implemented" in str(e):   # e.g. d(c % x)/dx: PyTorch has no formula
            pytest.skip(f"PyTorch: {e}")
        raise
    for k, (g, tg) in enumerate(zip(gs, tgs)):
        ga = np.zeros(sample.inputs[k].shape) if g is None else _np(g)
        tga = np.zeros(sample.inputs[k].shape) if tg is None else _np(tg)
        np.testing.assert_allclose(ga, tga, rtol=1e-9, atol=1e-10,
                                   err_msg=f"gradient of input {k}")

    # second order: d/dx <grad, u> (zero where a gradient is constant in x)
    pairs = [(g, u) for g, u in zip(gs, us) if g is not None and g.requires_grad]
    tpairs = [(g, u) for g, u in zip(tgs, us) if g is not None and g.requires_grad]
    hs = [None] * len(xs)
    ths = [None] * len(ts)
    if pairs:
        s = sum(((g * u).sum() for g, u in pairs), start=0.0)
        hs = grad(s, list(xs), allow_unused=True)
    if tpairs:
        ts_ = sum(((g * torch.tensor(u)).sum() for g, u in tpairs), start=0.0)
        ths = torch.autograd.grad(ts_, ts, allow_unused=True)
    for k, (h, th) in enumerate(zip(hs, ths)):
        ha = np.zeros(sample.inputs[k].shape) if h is None else _np(h)
        tha = np.zeros(sample.inputs[k].shape) if th is None else _np(th)
        np.testing.assert_allclose(ha, tha, rtol=1e-8, atol=1e-9,
                                   err_msg=f"second derivative of input {k}")


# The ops this file checks node names for (the others: tests/engine/test_torch_names.py)
NAMED_OPS = {"log2", "log10", "exp2", "erf", "erfc", "erfinv", "asinh", "acosh", "atanh", "atan2",
             "hypot", "floor", "ceil", "trunc", "round", "frac", "square", "reciprocal", "rsqrt",
             "sinc", "logsigmoid", "xlogy", "lerp", "addcmul", "addcdiv", "mm", "einsum",
             "relu", "clamp", "maximum", "minimum", "where", "sign", "max", "min", "pow", "**"}

# Samples whose output node is named differently from PyTorch's (each with the reason).
NAME_DIFFERENCES = {
    "einsum": "PyTorch lowers einsum to views, permutes and bmm; the engine records one "
              "EinsumBackward node per einsum",
    "F.linear[1d with bias]": "PyTorch reshapes a non-2-D input around addmm (ViewBackward0)",
    "F.linear[3d with bias]": "PyTorch reshapes a non-2-D input around addmm (ViewBackward0)",
    "F.nll_loss[(N,C,d) none]": "PyTorch reshapes (N, C, d) to 4-D for nll_loss2d",
    "F.cross_entropy[(N,C,d)]": "PyTorch reshapes (N, C, d) to 4-D for nll_loss2d",
    "F.cross_entropy[probabilities,smoothing,mean]": "tensor / number is DivBackward1 in PyTorch "
                                                     "(arith's naming, issue 8 item 4)",
    "F.cross_entropy[probabilities, weight]": "tensor / number is DivBackward1 in PyTorch "
                                              "(arith's naming, issue 8 item 4)",
}


def _name_cases():
    for s in SAMPLES:
        if s.op not in NAMED_OPS and not s.op.startswith("F."):
            continue
        reason = NAME_DIFFERENCES.get(s.op) or NAME_DIFFERENCES.get(s.id)
        yield pytest.param(s, id=s.id, marks=[pytest.mark.xfail(reason=reason, strict=True)]
                           if reason else [])


@pytest.mark.parametrize("sample", list(_name_cases()))
def test_output_node_name_matches_torch(sample):
    """The grad_fn of the output has PyTorch's name."""
    xs = sample.variables()
    out = sample.fn(*xs)
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in sample.inputs]
    tout = _torch_out(sample, ts)
    assert out.grad_fn.name == type(tout.grad_fn).__name__


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.op == "F.normalize"], ids=lambda s: s.id)
def test_normalize_graph_is_pytorchs_three_levels_down(sample):
    """normalize is composed as PyTorch composes it: Div <- Expand <- ClampMin <- norm."""
    def chain(node, torch_side):
        names = []
        while node is not None and len(names) < 4:
            names.append(type(node).__name__ if torch_side else node.name)
            kids = [n for n, _ in node.next_functions if n is not None
                    and "AccumulateGrad" not in (type(n).__name__ if torch_side else n.name)]
            node = kids[-1] if kids else None
        return names
    xs = sample.variables()
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in sample.inputs]
    assert chain(sample.fn(*xs).grad_fn, False) == chain(_torch_out(sample, ts).grad_fn, True)
