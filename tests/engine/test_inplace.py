"""In-place operations and version counters against PyTorch 2.13.

Every scenario of inplace_cases.CASES runs on the engine and must give exactly what
PyTorch 2.13.0 gave (values, gradients, node names, versions, error messages): the
checked-in table inplace_torch213.json comes from the oracle venv (torch 2.13.0+cpu),
and with torch importable each case is also re-run live. The rest checks derivative
rules of the in-place nodes by finite differences (order 1 and 2).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

import gradcli.engine as E
from gradcli.engine import AutogradError, gradcheck, gradgradcheck, tensor

from .inplace_cases import CASES, TABLE, engine_namespace, run, torch_namespace

EXPECTED = json.loads(TABLE.read_text())


def test_table_is_pytorch_213_and_complete():
    assert EXPECTED["torch"].startswith("2.13.")
    assert set(EXPECTED["cases"]) == set(CASES)


ULPS = 4 * 2.0 ** -52     # a derivative formula summed in another order (addcdiv_, atan2_)


def same(a, b) -> bool:
    """Equal observations: names, messages, versions, shapes exactly; floats to 4 ulps."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=ULPS, abs_tol=0.0)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b and type(a) is type(b)


def test_same_is_strict_where_it_must_be():
    assert same(["ok", [0.156, "A"]], ["ok", [0.15600000000000003, "A"]])
    assert not same(["ok", [0.156]], ["ok", [0.1560001]])
    assert not same(["ok", [1.0]], ["ok", [1]]) and not same(["ok", ["A"]], ["ok", ["B"]])
    assert not same(["ok", [1.0, 2.0]], ["ok", [1.0]])


@pytest.mark.parametrize("case", sorted(CASES))
def test_case_matches_pytorch_213(case):
    got, want = run(CASES[case], engine_namespace()), EXPECTED["cases"][case]
    assert same(got, want), (got, want)


@pytest.mark.parametrize("case", sorted(CASES))
def test_case_matches_live_torch(case):
    torch = pytest.importorskip("torch")
    got, want = run(CASES[case], engine_namespace()), run(CASES[case], torch_namespace(torch))
    assert same(got, want), (got, want)


def test_the_table_has_errors_and_successes():
    # a table of only errors (or of only successes) would not test the rebasing
    kinds = [v[0] for v in EXPECTED["cases"].values()]
    assert kinds.count("error") >= 15 and kinds.count("ok") >= 30


# ------------------------------------------------- derivative rules, order 1 and 2

def _rebased(x):
    y = x * 1
    y.mul_(x)                 # MulBackward0 with the old y saved privately
    y.add_(x, alpha=0.5)
    y.sin_()
    return y.sum()


def _sliced(x):
    y = x * 1
    y[1:] *= x[:3]            # CopySlices of a MulBackward0, then CopySlices of a copy
    y[0] = x[2] * 3
    return (y * y).sum()


def _viewed(x):
    y = x * 1
    v = y.view(2, 2)
    w = v.t()[0]              # a view of a view, in the base's columns
    w.exp_()
    return (y * v.reshape(4) * w.sum()).sum()


def _masked(x):
    y = x.exp()
    y = y * 1
    y[x > 0.4] = x[:2] * x[1:3]
    y[1:3] += x[0]
    return (y * y).sum()


def _filled(x):
    y = x * 2
    y[1:3].fill_(x[0])
    y[3:].zero_()
    z = x * 0
    z.copy_(y)
    return (z * x).sum()


def _relaid(x):
    y = x * 1
    v = y[1:3]                # a view taken before its base is transposed in place
    y.unsqueeze_(0)
    y.transpose_(0, 1)        # (4, 1)
    y.squeeze_(1)
    v.mul_(x[:2])             # still the same memory: CopySlices of the relaid base
    y = y.view(2, 2)
    y.t_()
    return (y * y * tensor([[1., 2.], [3., 4.]])).sum()


def _newer(x):
    y = x * 1
    y.addcmul_(x, x, value=0.5)
    y.addcdiv_(x, x * x + 1, value=2)
    y.lerp_(x.exp(), x * 0.5)
    y.hypot_(x)
    y.atan2_(x + 2)
    y.sub_(x * x, alpha=1.5)
    y.clamp_min_(x * 0.1)
    y.square_()
    y.cumsum_(0)
    return y.sum()


FUNCTIONS = [_rebased, _sliced, _viewed, _masked, _filled, _relaid, _newer]


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_gradcheck_through_inplace_nodes(f):
    x = tensor([0.3, -0.7, 1.1, 0.5], requires_grad=True)
    assert gradcheck(f, (x,))


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_gradgradcheck_through_inplace_nodes(f):
    x = tensor([0.3, -0.7, 1.1, 0.5], requires_grad=True)
    assert gradgradcheck(f, (x,))


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_fast_walk_and_graph_walk_agree(f):
    # the raw-array rules (walk without create_graph) and the engine-op rules agree
    x = tensor([0.3, -0.7, 1.1, 0.5], requires_grad=True)
    g1, = E.grad(f(x), x)
    g2, = E.grad(f(x), x, create_graph=True)
    np.testing.assert_allclose(g1.tolist(), g2.tolist(), rtol=1e-12, atol=1e-12)


def test_copyslices_is_freed_then_refuses_a_second_backward():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y[0] = 3.0
    z = (y * y).sum()
    z.backward()
    with pytest.raises(AutogradError, match="backward through the graph a second time"):
        z.backward()


def test_retain_graph_through_copyslices_twice():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y[1:] *= 3
    z = (y * y).sum()
    z.backward(retain_graph=True)
    z.backward()
    assert x.grad.tolist() == [4.0, 72.0]        # 2 * d/dx (x0^2 + 9 x1^2), twice


# ------------------------------------------------------------- version counters

def test_every_inplace_write_bumps_the_shared_counter_once():
    y = tensor([1.0, 2.0, 3.0])
    v = y[0:2]
    ops = [lambda: y.add_(1), lambda: v.mul_(2), lambda: y.zero_(), lambda: v.fill_(3),
           lambda: y.copy_(tensor([1.0, 2.0, 3.0])), lambda: y.exp_(), lambda: v.clamp_(0, 1),
           lambda: y.__setitem__(2, 5.0)]
    for k, op in enumerate(ops, 1):
        op()
        assert (y._version, v._version) == (k, k)


def test_out_of_place_ops_and_reads_do_not_bump():
    y = tensor([1.0, 2.0])
    y.exp(), y + 1, y[0], y.t(), y.tolist(), y.clone(), y.detach(), y.data
    assert y._version == 0


def test_versions_in_the_graph_do_not_cost_a_counter_per_tensor():
    # the counter is made on first need (a write or a view), so an op only stores None
    x = tensor(0.5, requires_grad=True)
    y = x * 2 + 1
    assert y._vc is None and y._version == 0
    y.add_(1)
    assert y._vc is not None and y._version == 1


def test_views_of_dead_views_do_not_pile_up():
    y = tensor(np.arange(10.0))
    for i in range(1000):
        y[i % 10]                 # each a view that dies at once
    vc = y[0]._vc
    assert len(vc.views) < 64


def test_detach_of_a_view_shares_the_base_counter():
    y = tensor([[1.0, 2.0, 3.0]])
    v = y[0:1]                   # a view whose base has several elements
    d = v.detach()
    d.add_(1)
    assert (y._version, v._version, d._version) == (1, 1, 1)
    assert y.tolist() == [[2.0, 3.0, 4.0]]


# every in-place method PyTorch 2.13 has for the ops gradcli offers (LANGUAGE.md): the list
# printed by the oracle for our op and method names, ``hasattr(torch.Tensor, name + "_")``
TORCH_213_INPLACE = """abs_ acos_ acosh_ add_ addcdiv_ addcmul_ arctan2_ asin_ asinh_ atan_ atan2_
atanh_ bernoulli_ bitwise_and_ bitwise_not_ bitwise_or_ bitwise_xor_ ceil_ clamp_ clamp_max_
clamp_min_ clip_ copy_ cos_ cosh_ cumsum_ detach_ div_ eq_ erf_ erfc_ erfinv_ exp_ exp2_ expm1_
fill_ floor_ floor_divide_ frac_ ge_ gt_ hypot_ le_ lerp_ log_ log10_ log1p_ log2_ lt_ mul_ ne_
neg_ normal_ pow_ reciprocal_ relu_ remainder_ requires_grad_ round_ rsqrt_ sigmoid_ sign_ sin_
sinc_ sinh_ sqrt_ square_ squeeze_ sub_ t_ tan_ tanh_ transpose_ trunc_ uniform_ unsqueeze_
xlogy_ zero_""".split()


def test_every_inplace_method_pytorch_has_for_our_ops_exists():
    assert [n for n in TORCH_213_INPLACE if not callable(getattr(E.Variable, n, None))] == []


def test_no_op_of_ours_lacks_an_inplace_method_torch_has():
    torch = pytest.importorskip("torch")
    ours = {n for n in dir(E.Variable) if not n.startswith("_") and not n.endswith("_")}
    ours |= {n for n in E.__all__ if callable(getattr(E, n)) and not n[0].isupper()}
    missing = sorted(n + "_" for n in ours
                     if hasattr(torch.Tensor, n + "_") and not hasattr(E.Variable, n + "_"))
    assert missing == []
