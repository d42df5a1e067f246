"""In-place operations and version counters against PyTorch 2.13.

Every scenario of inplace_cases.CASES runs on the engine and must give exactly what
PyTorch 2.13.0 gave (values, gradients, node names, versions, error messages): the
checked-in table inplace_torch213.json comes from the oracle venv (torch 2.13.0+cpu),
and with torch importable each case is also re-run live. The rest checks derivative
rules of the in-place nodes by finite differences (order 1 and 2).
"""
from __future__ import annotations

import json

import numpy as np
import pytest

import gradcli.engine as E
from gradcli.engine import AutogradError, gradcheck, gradgradcheck, tensor

from .inplace_cases import CASES, TABLE, engine_namespace, run, torch_namespace

EXPECTED = json.loads(TABLE.read_text())


def test_table_is_pytorch_213_and_complete():
    assert EXPECTED["torch"].startswith("2.13.")
    assert set(EXPECTED["cases"]) == set(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_case_matches_pytorch_213(case):
    assert run(CASES[case], engine_namespace()) == EXPECTED["cases"][case]


@pytest.mark.parametrize("case", sorted(CASES))
def test_case_matches_live_torch(case):
    torch = pytest.importorskip("torch")
    assert run(CASES[case], engine_namespace()) == run(CASES[case], torch_namespace(torch))


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


FUNCTIONS = [_rebased, _sliced, _viewed, _masked, _filled]


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
