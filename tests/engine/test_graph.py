"""The recorded graph: node names (PyTorch's), next_functions, history(), grad modes,
retain_grad, detach, .data, freeing saved values, higher order, jacobian/hessian, dtypes."""
from __future__ import annotations

import gc
import math
import weakref

import numpy as np
import pytest

import gradcli.engine as E
from gradcli.engine import (AccumulateGrad, Variable, default_dtype, enable_grad, exp, grad,
                            hessian, history, is_grad_enabled, jacobian, no_grad,
                            set_grad_enabled, tensor)


# ------------------------------------------------------------------ grad_fn names

# (case, expression, PyTorch 2.13's grad_fn class name, read from the oracle by hand)
NAMES = [
    ("x + y", lambda x, y, M, v: x + y, "AddBackward0"),
    ("x + 2", lambda x, y, M, v: x + 2, "AddBackward0"),
    ("2 + x", lambda x, y, M, v: 2 + x, "AddBackward0"),
    ("x - y", lambda x, y, M, v: x - y, "SubBackward0"),
    ("2 - x", lambda x, y, M, v: 2 - x, "RsubBackward1"),
    ("x * y", lambda x, y, M, v: x * y, "MulBackward0"),
    ("x / y", lambda x, y, M, v: x / y, "DivBackward0"),
    ("-x", lambda x, y, M, v: -x, "NegBackward0"),
    ("x ** 2", lambda x, y, M, v: x ** 2, "PowBackward0"),
    ("x ** y", lambda x, y, M, v: x ** y, "PowBackward1"),
    ("2 ** x", lambda x, y, M, v: 2 ** x, "PowBackward2"),
    ("x % 2", lambda x, y, M, v: x % 2, "RemainderBackward0"),
    ("exp", lambda x, y, M, v: E.exp(x), "ExpBackward0"),
    ("log", lambda x, y, M, v: E.log(x), "LogBackward0"),
    ("sqrt", lambda x, y, M, v: E.sqrt(x), "SqrtBackward0"),
    ("tanh", lambda x, y, M, v: E.tanh(x), "TanhBackward0"),
    ("sigmoid", lambda x, y, M, v: E.sigmoid(x), "SigmoidBackward0"),
    ("relu", lambda x, y, M, v: E.relu(x), "ReluBackward0"),
    ("abs", lambda x, y, M, v: E.abs(x), "AbsBackward0"),
    ("clamp", lambda x, y, M, v: E.clamp(x, 0.1, 0.5), "ClampBackward1"),
    ("clamp tensor", lambda x, y, M, v: E.clamp(x, min=y), "ClampBackward0"),
    ("maximum", lambda x, y, M, v: E.maximum(x, y), "MaximumBackward0"),
    ("where", lambda x, y, M, v: E.where(x > y, x, y), "WhereBackward0"),
    ("sum", lambda x, y, M, v: x.sum(), "SumBackward0"),
    ("sum(dim)", lambda x, y, M, v: M.sum(0), "SumBackward1"),
    ("mean", lambda x, y, M, v: x.mean(), "MeanBackward0"),
    ("mean(dim)", lambda x, y, M, v: M.mean(1), "MeanBackward1"),
    ("prod", lambda x, y, M, v: x.prod(), "ProdBackward0"),
    ("prod(dim)", lambda x, y, M, v: M.prod(1), "ProdBackward1"),
    ("max", lambda x, y, M, v: x.max(), "MaxBackward1"),
    ("max(dim)", lambda x, y, M, v: M.max(1)[0], "MaxBackward0"),
    ("min", lambda x, y, M, v: x.min(), "MinBackward1"),
    ("logsumexp", lambda x, y, M, v: E.logsumexp(M, 1), "LogsumexpBackward0"),
    ("softmax", lambda x, y, M, v: E.softmax(M, 1), "SoftmaxBackward0"),
    ("log_softmax", lambda x, y, M, v: E.log_softmax(M, 1), "LogSoftmaxBackward0"),
    ("cumsum", lambda x, y, M, v: E.cumsum(x, 0), "CumsumBackward0"),
    ("reshape", lambda x, y, M, v: M.reshape(3, 2), "ViewBackward0"),
    ("view", lambda x, y, M, v: M.view(6), "ViewBackward0"),
    ("transpose", lambda x, y, M, v: M.transpose(0, 1), "TransposeBackward0"),
    (".T", lambda x, y, M, v: M.T, "PermuteBackward0"),
    ("permute", lambda x, y, M, v: M.permute(1, 0), "PermuteBackward0"),
    ("squeeze(dim)", lambda x, y, M, v: M.reshape(1, 6).squeeze(0), "SqueezeBackward1"),
    ("squeeze()", lambda x, y, M, v: M.reshape(1, 6).squeeze(), "SqueezeBackward0"),
    ("unsqueeze", lambda x, y, M, v: x.unsqueeze(0), "UnsqueezeBackward0"),
    ("expand", lambda x, y, M, v: x.expand(2, 3), "ExpandBackward0"),
    ("cat", lambda x, y, M, v: E.cat([x, y]), "CatBackward0"),
    ("stack", lambda x, y, M, v: E.stack([x, y]), "StackBackward0"),
    ("x[0]", lambda x, y, M, v: M[0], "SelectBackward0"),
    ("x[1:]", lambda x, y, M, v: x[1:], "SliceBackward0"),
    ("x[[0, 0]]", lambda x, y, M, v: x[[0, 0]], "IndexBackward0"),
    ("matrix @ matrix", lambda x, y, M, v: M @ M.T, "MmBackward0"),
    ("matrix @ vector", lambda x, y, M, v: M @ x, "MvBackward0"),
    ("vector @ vector", lambda x, y, M, v: x @ y, "DotBackward0"),
    ("trace", lambda x, y, M, v: E.trace(v), "TraceBackward0"),
    ("inv", lambda x, y, M, v: E.inv(v), "LinalgInvExBackward0"),
    ("det", lambda x, y, M, v: E.det(v), "LinalgDetBackward0"),
    ("solve", lambda x, y, M, v: E.solve(v, x), "LinalgSolveExBackward0"),
    ("diag(vector)", lambda x, y, M, v: E.diag(x), "DiagEmbedBackward0"),
    ("diag(matrix)", lambda x, y, M, v: E.diag(v), "DiagonalBackward0_copy"),
    ("squeeze((0, 2))", lambda x, y, M, v: M.reshape(1, 6, 1).squeeze((0, 2)), "SqueezeBackward2"),
    ("var", lambda x, y, M, v: M.var(), "VarBackward0"),
    ("var(dim)", lambda x, y, M, v: M.var(1), "VarBackward0"),
    ("std", lambda x, y, M, v: M.std(), "StdBackward0"),
    ("norm", lambda x, y, M, v: x.norm(), "LinalgVectorNormBackward0"),
    ("norm(p=1)", lambda x, y, M, v: E.norm(M, 1), "LinalgVectorNormBackward0"),
    ("norm(p=inf, dim)", lambda x, y, M, v: E.norm(M, float("inf"), dim=1),
     "LinalgVectorNormBackward0"),
    ("norm(p=3)", lambda x, y, M, v: E.norm(x, 3), "LinalgVectorNormBackward0"),
    ("clone", lambda x, y, M, v: x.clone(), "CloneBackward0"),
    ("t()", lambda x, y, M, v: M.t(), "TBackward0"),
    ("mm", lambda x, y, M, v: M.mm(v), "MmBackward0"),
    ("amax", lambda x, y, M, v: E.amax(M, 1), "AmaxBackward0"),
    ("amin", lambda x, y, M, v: E.amin(M), "AminBackward0"),
]


@pytest.fixture
def xyMv():
    return (tensor([0.2, 0.3, 0.4], requires_grad=True), tensor([0.5, 0.1, 0.7], requires_grad=True),
            tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True),
            tensor([[3., 1., 0.], [0., 3., 1.], [1., 0., 3.]], requires_grad=True))


@pytest.mark.parametrize("case,f,name", NAMES, ids=[n[0] for n in NAMES])
def test_grad_fn_name_is_pytorchs(case, f, name, xyMv):
    out = f(*xyMv)
    assert out.grad_fn.name == name
    assert repr(out.grad_fn) == f"<{name}>"


def test_next_functions_structure():
    x = tensor([1.0, 2.0], requires_grad=True)
    z = tensor([3.0, 4.0], requires_grad=True)
    y = x * 2 + z
    add = y.grad_fn
    (mul, i0), (acc_z, i1) = add.next_functions
    assert (mul.name, i0, acc_z.name, i1) == ("MulBackward0", 0, "AccumulateGrad", 0)
    assert isinstance(acc_z, AccumulateGrad) and acc_z.variable is z
    # the constant operand of x * 2 is a (None, 0) edge, as in PyTorch
    assert mul.next_functions[1] == (None, 0)
    assert mul.next_functions[0][0].variable is x
    assert acc_z.next_functions == ()
    # number - x and number ** x have one edge, as in PyTorch
    assert (2 - x).grad_fn.next_functions == ((x._node, 0),)
    assert (2 ** x).grad_fn.next_functions == ((x._node, 0),)
    # an input that does not require grad is a None edge
    w = x * tensor([1.0, 1.0])
    assert w.grad_fn.next_functions[1] == (None, 0)


def test_leaves_and_grad_fn():
    x = tensor(1.0, requires_grad=True)
    c = tensor(1.0)
    assert x.is_leaf and x.grad_fn is None and x.requires_grad
    assert c.is_leaf and c.grad_fn is None and not c.requires_grad
    y = x * c
    assert not y.is_leaf and y.requires_grad and y.grad_fn.name == "MulBackward0"
    assert (c * 2).is_leaf and (c * 2).grad_fn is None


# ------------------------------------------------------------------ history

def _program():
    x = tensor([1.0, 2.0], requires_grad=True)
    w = tensor(3.0, requires_grad=True)
    a = x * w
    b = a + a * a          # a is shared: reached three times
    out = (b.exp() + b).sum()
    return out, {id(x): "x", id(w): "w"}


def test_history_ids_stable_across_runs():
    h1 = history(*_program())
    h2 = history(*_program())
    assert h1 == h2
    assert h1["root"] == "n0"
    assert [n["id"] for n in h1["nodes"]] == [f"n{i}" for i in range(len(h1["nodes"]))]


def test_history_shared_nodes_appear_once():
    h = history(*_program())
    ops = [n["op"] for n in h["nodes"]]
    assert ops.count("MulBackward0") == 2        # x * w and a * a, each once
    assert ops.count("AccumulateGrad") == 2       # x and w once each
    assert ops.count("AddBackward0") == 2
    ids = {n["id"] for n in h["nodes"]}
    assert len(ids) == len(h["nodes"])
    # every edge joins known nodes; a shared node has several incoming edges
    assert all(e["from"] in ids and e["to"] in ids for e in h["edges"])
    by_op = {n["id"]: n["op"] for n in h["nodes"]}
    into = {}
    for e in h["edges"]:
        into[e["to"]] = into.get(e["to"], 0) + 1
    mul_a = [i for i, op in by_op.items() if op == "MulBackward0" and into.get(i) == 3]
    assert len(mul_a) == 1     # a = x * w feeds b = a + a * a three times
    leaves = {n["name"]: n for n in h["nodes"] if n["kind"] == "leaf"}
    assert set(leaves) == {"x", "w"}
    assert leaves["x"]["shape"] == [2] and leaves["w"]["shape"] == []


def test_history_nodes_have_the_documented_fields():
    # docs/architecture.md and docs/json.md: id, op, shape, dtype, kind, name
    x = tensor([1.0, 2.0], dtype=np.float32, requires_grad=True)
    y = (x.double() * 2).sum()
    h = history(y, names={id(x): "x"})
    for n in h["nodes"]:
        assert set(n) == {"id", "op", "shape", "dtype", "kind", "name"}
    dtypes = {n["op"]: n["dtype"] for n in h["nodes"]}
    assert dtypes == {"SumBackward0": "float64", "MulBackward0": "float64",
                      "ToCopyBackward0": "float64", "AccumulateGrad": "float32"}
    assert history(tensor([1.0]))["nodes"][0]["dtype"] == "float64"


def test_history_of_a_tensor_outside_the_graph():
    h = history(tensor([1.0]), names={})
    assert h["edges"] == [] and len(h["nodes"]) == 1 and h["nodes"][0]["kind"] == "tensor"


def test_history_is_iterative_on_a_deep_graph():
    x = tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y + 1.0
    h = history(y)
    assert len(h["nodes"]) == 20001 and len(h["edges"]) == 20000


# ------------------------------------------------------------------ grad modes

def test_no_graph_under_no_grad():
    x = tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * 2).exp().sum()
        with enable_grad():
            z = x * 2
        w = x * 3
    assert is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad and y._node is None
    assert z.grad_fn.name == "MulBackward0"
    assert w.grad_fn is None


def test_no_grad_as_decorator_and_set_grad_enabled():
    x = tensor(2.0, requires_grad=True)

    @no_grad()
    def f(t):
        return t * t
    assert not f(x).requires_grad
    with set_grad_enabled(False):
        assert not (x * x).requires_grad
    assert (x * x).requires_grad


def test_no_graph_when_nothing_requires_grad():
    a = tensor([1.0, 2.0])
    for y in (a * 2, a.exp(), a.sum(), a @ a, a[0], E.softmax(a), E.cat([a, a])):
        assert y._node is None and y.grad_fn is None and not y.requires_grad


def test_retain_grad_on_intermediates():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = (y * y).sum()
    z.backward()
    assert y.retains_grad
    assert y.grad.tolist() == [6.0, 12.0]
    assert x.grad.tolist() == [18.0, 36.0]


def test_detach_stops_gradients_and_shares_data():
    x = tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None
    y = (x * d).sum()
    y.backward()
    assert x.grad.tolist() == [1.0, 2.0]     # d is a constant
    assert np.shares_memory(np.asarray(d._data), np.asarray(x._data))


def test_data_bypasses_autograd():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x.data * 2
    assert not y.requires_grad
    x.data = tensor([5.0, 6.0])          # replaces the values, not a graph op
    assert x.is_leaf and x.requires_grad and x.grad_fn is None
    (x * x).sum().backward()
    assert x.grad.tolist() == [10.0, 12.0]


def test_grad_zero_and_none_reset_accumulation():
    x = tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad.zero_()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    (x * 4).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_leaf_grad_is_not_shared_with_the_seed():
    # zeroing x.grad in place must not change the tensor passed as the seed
    x = tensor([1.0, 2.0], requires_grad=True)
    seed = tensor([1.0, 1.0])
    (x * 1).backward(seed)
    x.grad.zero_()
    assert seed.tolist() == [1.0, 1.0]


# ------------------------------------------------------------------ freeing

def test_saved_tensor_released_after_backward():
    x = tensor([1.0, 2.0], requires_grad=True)
    a = x + 1                 # an intermediate that only MulBackward0 keeps alive
    ref = weakref.ref(a)
    y = (a * a).sum()
    del a
    gc.collect()
    assert ref() is not None  # saved by the graph
    y.backward()
    assert ref() is None      # released by backward without retain_graph
    assert x.grad.tolist() == [4.0, 6.0]


def test_saved_tensor_kept_with_retain_graph():
    x = tensor([1.0, 2.0], requires_grad=True)
    a = x + 1
    ref = weakref.ref(a)
    y = (a * a).sum()
    del a
    y.backward(retain_graph=True)
    gc.collect()
    assert ref() is not None
    y.backward()
    gc.collect()
    assert ref() is None
    assert x.grad.tolist() == [8.0, 12.0]


def test_saved_output_array_released_after_backward():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = exp(x)                # ExpBackward0 saves its output array
    ref = weakref.ref(y._data)
    s = y.sum()
    del y
    gc.collect()
    assert ref() is not None
    s.backward()
    gc.collect()
    assert ref() is None


def test_graph_freed_when_the_output_dies():
    x = tensor([1.0, 2.0], requires_grad=True)
    a = x * 2
    ref = weakref.ref(a.grad_fn)
    del a
    gc.collect()
    assert ref() is None


# ------------------------------------------------------------------ higher order

def test_grad_create_graph_any_order():
    x = tensor(1.5, requires_grad=True)
    y = x ** 4
    d = [y]
    for _ in range(5):
        (g,) = grad(d[-1], x, create_graph=True)
        d.append(g)
    expected = [1.5 ** 4, 4 * 1.5 ** 3, 12 * 1.5 ** 2, 24 * 1.5, 24.0, 0.0]
    np.testing.assert_allclose([v.item() for v in d], expected, rtol=1e-12)
    assert x.grad is None     # grad() does not touch .grad


def test_backward_create_graph():
    x = tensor(2.0, requires_grad=True)
    y = x ** 3
    y.backward(create_graph=True)
    g = x.grad
    assert g.item() == 12.0 and g.requires_grad
    (g2,) = grad(g, x)
    assert g2.item() == 12.0


def test_grad_without_create_graph_is_constant():
    x = tensor(2.0, requires_grad=True)
    (g,) = grad(x ** 3, x)
    assert not g.requires_grad and g.item() == 12.0


def test_mixed_partials():
    x = tensor(1.2, requires_grad=True)
    y = tensor(-0.7, requires_grad=True)
    f = E.sin(x * y) + x ** 2 * y
    gx, gy = grad(f, [x, y], create_graph=True)
    (gxy,) = grad(gx, y)
    xv, yv = 1.2, -0.7
    assert gxy.item() == pytest.approx(math.cos(xv * yv) - xv * yv * math.sin(xv * yv) + 2 * xv,
                                       rel=1e-12)


def test_jacobian_analytic():
    A = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]])
    x0 = tensor([0.3, -0.2, 0.9])
    J = jacobian(lambda x: tensor(A) @ x, x0)
    np.testing.assert_allclose(J.tolist(), A)
    Js = jacobian(lambda x: E.softmax(x), x0)
    s = np.exp([0.3, -0.2, 0.9])
    s /= s.sum()
    np.testing.assert_allclose(Js.tolist(), np.diag(s) - np.outer(s, s), rtol=1e-12, atol=1e-15)
    Jm = jacobian(lambda x: x.exp(), tensor([[0.1, 0.2], [0.3, 0.4]]))
    assert Jm.shape == (2, 2, 2, 2)
    expected = np.zeros((2, 2, 2, 2))
    for i in range(2):
        for j in range(2):
            expected[i, j, i, j] = math.exp(0.1 * (2 * i + j + 1))
    np.testing.assert_allclose(Jm.tolist(), expected, rtol=1e-12)


def test_jacobian_of_several_inputs():
    a, b = tensor([1.0, 2.0]), tensor([3.0, 4.0])
    Ja, Jb = jacobian(lambda a, b: a * b, (a, b))
    np.testing.assert_allclose(Ja.tolist(), np.diag([3.0, 4.0]))
    np.testing.assert_allclose(Jb.tolist(), np.diag([1.0, 2.0]))


def test_hessian_analytic():
    A = np.array([[2.0, 1.0, 0.0], [0.5, 3.0, -1.0], [0.0, 2.0, 1.0]])
    x0 = tensor([0.5, -1.0, 2.0])
    H = hessian(lambda x: x @ (tensor(A) @ x), x0)
    np.testing.assert_allclose(H.tolist(), A + A.T, rtol=1e-12)
    # f = sum(x^3) + x0 x1: H = diag(6 x) + the off-diagonal 1s
    H2 = hessian(lambda x: (x ** 3).sum() + x[0] * x[1], tensor([1.0, 2.0]))
    np.testing.assert_allclose(H2.tolist(), [[6.0, 1.0], [1.0, 12.0]], rtol=1e-12)
    # log-sum-exp: H = diag(s) - s s^T
    Hl = hessian(lambda x: E.logsumexp(x, 0), tensor([0.1, 0.5, -0.3]))
    s = np.exp([0.1, 0.5, -0.3])
    s /= s.sum()
    np.testing.assert_allclose(Hl.tolist(), np.diag(s) - np.outer(s, s), rtol=1e-10, atol=1e-14)


# ------------------------------------------------------------------ dtypes

FLOAT32_OPS = {
    "x * 2.5": lambda x: x * 2.5, "2.5 - x": lambda x: 2.5 - x, "x / x": lambda x: x / x,
    "2.5 / x": lambda x: 2.5 / x, "2 ** x": lambda x: 2 ** x, "2.5 % x": lambda x: 2.5 % x,
    "x ** 2": lambda x: x ** 2, "x ** 0.5": lambda x: x ** 0.5, "exp": E.exp, "log": E.log,
    "sigmoid": E.sigmoid, "softplus": E.softplus, "tanh": E.tanh, "relu": E.relu,
    "clamp": lambda x: E.clamp(x, 0.2, 0.8), "maximum": lambda x: E.maximum(x, 0.5),
    "where": lambda x: E.where(x > 0.5, x, 0.0), "sum": E.sum, "mean": E.mean,
    "prod": E.prod, "norm": E.norm, "var": E.var, "std": E.std, "max": E.max,
    "logsumexp": lambda x: E.logsumexp(x, 0), "softmax": E.softmax, "log_softmax": E.log_softmax,
    "cumsum": lambda x: E.cumsum(x, 0), "x[[0, 0]]": lambda x: x[[0, 0]],
    "cat": lambda x: E.cat([x, x]), "stack": lambda x: E.stack([x, x]),
    "x @ x": lambda x: x @ x, "outer": lambda x: E.outer(x, x), "diag": E.diag,
    "expand": lambda x: x.expand(2, 3), "reshape": lambda x: x.reshape(3, 1),
}


@pytest.mark.parametrize("name", list(FLOAT32_OPS))
def test_float32_preserved_through_ops_and_grads(name):
    x = tensor([0.25, 0.5, 0.75], dtype=np.float32, requires_grad=True)
    y = FLOAT32_OPS[name](x)
    assert y.dtype == np.float32
    y.sum().backward() if y.numel() > 1 else y.backward()
    assert x.grad.dtype == np.float32


def test_float32_linalg():
    a = tensor([[3.0, 1.0], [0.5, 2.0]], dtype=np.float32, requires_grad=True)
    b = tensor([1.0, -1.0], dtype=np.float32, requires_grad=True)
    for y in (E.inv(a).sum(), E.det(a), E.solve(a, b).sum(), E.trace(a), (a @ b).sum()):
        assert y.dtype == np.float32
        y.backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float32


def test_default_dtype_scope():
    with default_dtype(np.float32):
        x = tensor([1.0, 2.0], requires_grad=True)
        o = E.ones(2)
        assert x.dtype == np.float32 and o.dtype == np.float32
        y = (x * 1.5 + o).sum()
        y.backward()
        assert y.dtype == np.float32 and x.grad.dtype == np.float32
    assert tensor([1.0]).dtype == np.float64


def test_float64_is_the_default():
    x = tensor([1.0, 2.0], requires_grad=True)
    assert x.dtype == np.float64 and Variable(1.0).dtype == np.float64
    assert tensor([1, 2]).dtype == np.int64
    (x * 2).sum().backward()
    assert x.grad.dtype == np.float64


def test_integer_tensor_mixes_into_float_ops():
    x = tensor([1.0, 2.0], requires_grad=True)
    i = tensor([3, 4])
    y = (x * i).sum()
    assert y.dtype == np.float64
    y.backward()
    assert x.grad.tolist() == [3.0, 4.0]


# ------------------------------------------------------------------ autograd API

def test_backward_inputs_accumulates_only_into_those():
    x = tensor([1.0, 2.0], requires_grad=True)
    w = tensor(3.0, requires_grad=True)
    (x * w).sum().backward(inputs=[x])
    assert x.grad.tolist() == [3.0, 3.0] and w.grad is None


def test_grad_of_several_outputs_sums_them():
    x = tensor([1.0, 2.0], requires_grad=True)
    (g,) = grad([(x * x).sum(), (3 * x).sum()], [x])
    assert g.tolist() == [5.0, 7.0]
    (g,) = grad([x * x], [x], [tensor([1.0, 0.0])])
    assert g.tolist() == [2.0, 0.0]
    (g,) = grad((x * x).sum(), x, grad_outputs=2.0)
    assert g.tolist() == [4.0, 8.0]


def test_grad_of_a_leaf_with_respect_to_itself():
    x = tensor([1.0, 2.0], requires_grad=True)
    (g,) = grad(x, x, tensor([1.0, -1.0]))
    assert g.tolist() == [1.0, -1.0]


def test_mixed_float32_float64_promotes_and_grads_keep_leaf_dtypes():
    a = tensor([1.0, 2.0], dtype=np.float32, requires_grad=True)
    b = tensor([3.0, 4.0], requires_grad=True)
    y = (a * b).sum()
    assert y.dtype == np.float64
    y.backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    assert a.grad.tolist() == [3.0, 4.0] and b.grad.tolist() == [1.0, 2.0]


def test_non_differentiable_results():
    x = tensor([1.0, 2.5], requires_grad=True)
    assert not (x // 1.5).requires_grad
    assert (x > 1).dtype == np.bool_ and not (x > 1).requires_grad
    assert not E.argmax(x).requires_grad


def test_requires_grad_of_a_non_leaf_cannot_be_turned_off():
    x = tensor([1.0], requires_grad=True)
    with pytest.raises(E.AutogradError, match="leaf variables"):
        (x * 2).requires_grad_(False)
