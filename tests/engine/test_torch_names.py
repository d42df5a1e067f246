"""grad_fn names and graph shapes against PyTorch itself (an independent oracle; skipped
without torch).

tests/engine/test_graph.py has the same names written down; this runs the expressions on
both sides, so that a difference with the installed PyTorch shows up by itself. The
structure test compares the whole graph under the result: every node's name and its
next_functions entries (None for an input that needs no gradient), down to the leaves.
"""
import numpy as np
import pytest

import gradcli.engine as E

torch = pytest.importorskip("torch")

A = np.array([[0.6, 1.2, 0.9, 1.4], [1.1, 0.7, 1.3, 0.8], [0.9, 1.5, 0.5, 1.0]])
M = np.array([[3.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 3.0]])
V = np.array([0.5, 1.5, 1.0])

# (case, f(module, x), input); the same lambda runs on gradcli.engine and on torch
CASES = [
    ("var", lambda m, x: m.var(x), A), ("var(dim)", lambda m, x: m.var(x, 1), A),
    ("std", lambda m, x: m.std(x), A), ("std(dim)", lambda m, x: m.std(x, 0), A),
    ("norm", lambda m, x: m.norm(x), A), ("norm(dim)", lambda m, x: m.norm(x, dim=1), A),
    ("norm(p=1)", lambda m, x: m.norm(x, 1), A), ("norm(p=3)", lambda m, x: m.norm(x, 3), A),
    ("norm(p=inf)", lambda m, x: m.norm(x, float("inf")), A),
    ("x.norm()", lambda m, x: x.norm(), A),
    ("mean", lambda m, x: m.mean(x), A), ("mean(dim)", lambda m, x: m.mean(x, 1), A),
    ("sum(dim)", lambda m, x: m.sum(x, 0), A), ("prod", lambda m, x: m.prod(x), A),
    ("max", lambda m, x: m.max(x), A), ("max(dim)", lambda m, x: m.max(x, 1)[0], A),
    ("amax", lambda m, x: m.amax(x, 1), A), ("amin", lambda m, x: m.amin(x, 0), A),
    ("logsumexp", lambda m, x: m.logsumexp(x, 1), A),
    ("softmax", lambda m, x: m.softmax(x, 1), A),
    ("log_softmax", lambda m, x: m.log_softmax(x, 1), A),
    ("cumsum", lambda m, x: m.cumsum(x, 1), A),
    ("clone", lambda m, x: x.clone(), A), ("t()", lambda m, x: x.t(), A),
    ("x.T", lambda m, x: x.T, A), ("transpose", lambda m, x: x.transpose(0, 1), A),
    ("permute", lambda m, x: x.permute(1, 0), A), ("reshape", lambda m, x: x.reshape(12), A),
    ("flatten", lambda m, x: x.flatten(), A), ("unsqueeze", lambda m, x: x.unsqueeze(0), A),
    ("expand", lambda m, x: x[0:1].expand(3, 4), A), ("x[0]", lambda m, x: x[0], A),
    ("x[:, 1:3]", lambda m, x: x[:, 1:3], A), ("x[[0, 0]]", lambda m, x: x[[0, 0]], A),
    ("mm", lambda m, x: x.mm(x.T), A), ("matmul mv", lambda m, x: x @ x[0], A),
    ("dot", lambda m, x: x[0] @ x[0], A),
    ("float()", lambda m, x: x.float(), A),
    ("sigmoid", lambda m, x: m.sigmoid(x), A), ("tanh", lambda m, x: m.tanh(x), A),
    ("relu", lambda m, x: m.relu(x), A), ("abs", lambda m, x: m.abs(x), A),
    ("sign", lambda m, x: m.sign(x), A), ("sqrt", lambda m, x: m.sqrt(x), A),
    ("x ** 2", lambda m, x: x ** 2, A), ("x ** x", lambda m, x: x ** x, A),
    ("2 ** x", lambda m, x: 2 ** x, A), ("x % 0.3", lambda m, x: x % 0.3, A),
    ("1 - x", lambda m, x: 1 - x, A), ("2 / x", lambda m, x: 2 / x, A),
    ("(2 / x).next", lambda m, x: (2 / x).grad_fn.next_functions[0][0], A), ("-x", lambda m, x: -x, A),
    ("maximum", lambda m, x: m.maximum(x, x * 0.9), A),
    ("where", lambda m, x: m.where(x > 1.0, x, x * 2), A),
    ("cat", lambda m, x: m.cat([x, x]), A), ("stack", lambda m, x: m.stack([x, x]), A),
    ("det", lambda m, x: m.det(x), M), ("trace", lambda m, x: m.trace(x), M),
    ("diag(vector)", lambda m, x: m.diag(x), V), ("diag(matrix)", lambda m, x: m.diag(x), M), ("outer", lambda m, x: m.outer(x, x), V),
]

A3 = np.arange(24.0).reshape(2, 3, 4) / 10 + 0.5
T = np.array([0.3, 0.4, 0.2, 0.7])

# every indexing form, the matmul rewrites, reshape of non-contiguous data, constants
STRUCTURE = CASES + [
    # view ops that change nothing still record their node
    ("squeeze no-op", lambda m, x: x.squeeze(), V), ("squeeze(0) no-op", lambda m, x: x.squeeze(0), V),
    ("t() of a vector", lambda m, x: x.t(), V), ("transpose of a vector", lambda m, x: x.transpose(0, 0), V),
    ("xlogy(x, 2.)", lambda m, x: m.xlogy(x, 2.0), V), ("xlogy(2., x)", lambda m, x: m.xlogy(2.0, x), V),
    ("add alpha", lambda m, x: m.add(x, x * 2, alpha=0.5), V),
    ("sub alpha", lambda m, x: m.sub(x, 3.0, alpha=2), V),
    ("clamp_min tensor", lambda m, x: m.clamp_min(x, x * 0.5), V),
    ("clamp_max tensor", lambda m, x: m.clamp_max(x, x * 0.5), V),
    ("A[0, 1]", lambda m, x: x[0, 1], A), ("A[0][1]", lambda m, x: x[0][1], A),
    ("A[None]", lambda m, x: x[None], A), ("A[:, None]", lambda m, x: x[:, None], A),
    ("A[-1]", lambda m, x: x[-1], A), ("A[1:, 2]", lambda m, x: x[1:, 2], A),
    ("A[::2]", lambda m, x: x[::2], A), ("A[:, ::2]", lambda m, x: x[:, ::2], A),
    ("A[:3]", lambda m, x: x[:3], A), ("A[:, :]", lambda m, x: x[:, :], A),
    ("A[..., 1]", lambda m, x: x[..., 1], A), ("A[x > 1]", lambda m, x: x[x > 1.0], A),
    ("A[[0, 1], [1, 2]]", lambda m, x: x[[0, 1], [1, 2]], A),
    ("A[0, [1, 2]]", lambda m, x: x[0, [1, 2]], A), ("A[:, [1, 2]]", lambda m, x: x[:, [1, 2]], A),
    ("A[0, 1:3]", lambda m, x: x[0, 1:3], A), ("A[None, 0]", lambda m, x: x[None, 0], A),
    ("A3[0, :, 1]", lambda m, x: x[0, :, 1], A3), ("A3[..., None, 2]", lambda m, x: x[..., None, 2], A3),
    ("A3[1, [0, 2], ::2]", lambda m, x: x[1, [0, 2], ::2], A3),
    ("bmm", lambda m, x: x @ x.transpose(1, 2), A3), ("batch @ matrix", lambda m, x: x @ x[0].T, A3),
    ("batch @ vector", lambda m, x: x @ x[0, 0], A3),
    ("batch @ constant matrix", lambda m, x: x @ m.ones(4, 2, dtype=x.dtype), A3),
    ("broadcast batch", lambda m, x: x[:, None] @ x.transpose(1, 2), A3),
    ("vector @ matrix", lambda m, x: x[0] @ x.T, A), ("matrix @ matrix", lambda m, x: x @ x.T, A),
    ("reshape non-contiguous", lambda m, x: x.T.reshape(12), A),
    ("reshape non-contiguous view", lambda m, x: x[:, ::2].reshape(6), A),
    ("flatten non-contiguous", lambda m, x: x.T.flatten(), A),
    ("reshape contiguous", lambda m, x: x.reshape(4, 3), A), ("view", lambda m, x: x.view(12), A),
    ("x ** 0.5", lambda m, x: x ** 0.5, A), ("x % t", lambda m, x: x % m.tensor(T, dtype=x.dtype), A),
    ("x ** t", lambda m, x: x ** m.tensor(T, dtype=x.dtype), A),
    ("outer(x, 2x)", lambda m, x: m.outer(x, x * 2), V), ("outer(x, c)", lambda m, x: m.outer(x, m.ones(3, dtype=x.dtype)), V),
    ("outer(c, x)", lambda m, x: m.outer(m.ones(3, dtype=x.dtype), x), V),
    ("x * 2", lambda m, x: x * 2, A), ("2 * x", lambda m, x: 2 * x, A), ("x + 1", lambda m, x: x + 1, A),
    ("x - 1", lambda m, x: x - 1, A), ("x / 2", lambda m, x: x / 2, A), ("x + x", lambda m, x: x + x, A),
    ("squeeze", lambda m, x: x[None].squeeze(0), A), ("squeeze()", lambda m, x: x[None].squeeze(), A),
    ("sum", lambda m, x: x.sum(), A), ("sum(keepdim)", lambda m, x: x.sum(1, keepdim=True), A),
    ("clamp", lambda m, x: m.clamp(x, 0.7, 1.2), A), ("clamp(min)", lambda m, x: m.clamp(x, min=0.7), A),
    ("minimum", lambda m, x: m.minimum(x, x * 0.9), A), ("exp", lambda m, x: m.exp(x), A),
    ("expand", lambda m, x: x.expand(2, 3), V), ("mean(dim, keepdim)", lambda m, x: x.mean(0, keepdim=True), A),
    ("min", lambda m, x: x.min(), A), ("float64 x * float32 c", lambda m, x: x * m.ones(4, dtype=getattr(m, "float32", np.float32)), A),
    ("A[...]", lambda m, x: x[...], A), ("A[:]", lambda m, x: x[:], A), ("A[..., :]", lambda m, x: x[..., :], A),
]


def _shape(fn, lib, depth=0):
    """(name, children) of a node, children from next_functions (None stays None)."""
    if fn is None:
        return None
    name = type(fn).__name__ if lib == "torch" else fn.name
    if depth > 12:
        return name
    return (name, tuple(_shape(n, lib, depth + 1) for n, _ in fn.next_functions))


@pytest.mark.parametrize("case,f,x", STRUCTURE, ids=[c[0] for c in STRUCTURE])
def test_graph_structure_is_pytorchs(case, f, x):
    ours, theirs = f(E, E.tensor(x, requires_grad=True)), f(torch, torch.tensor(x, requires_grad=True))
    ours = ours if isinstance(ours, E.Node) else ours.grad_fn
    theirs = theirs if not isinstance(theirs, torch.Tensor) else theirs.grad_fn
    assert _shape(ours, "gx") == _shape(theirs, "torch")



@pytest.mark.parametrize("case,f,x", CASES, ids=[c[0] for c in CASES])
def test_grad_fn_name_is_pytorchs(case, f, x):
    ours, theirs = f(E, E.tensor(x, requires_grad=True)), f(torch, torch.tensor(x, requires_grad=True))
    # a case may give the node itself (walking next_functions) instead of a tensor
    ours = ours.name if isinstance(ours, E.Node) else ours.grad_fn.name
    theirs = type(theirs if not isinstance(theirs, torch.Tensor) else theirs.grad_fn).__name__
    assert ours == theirs
