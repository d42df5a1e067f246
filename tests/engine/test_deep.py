"""A chain of 1,000,000 operations runs backward iteratively (no RecursionError) and gives
the right gradient."""
from __future__ import annotations

import math
import sys

import pytest

from gradcli.engine import grad, tensor

N = 1_000_000
C = 1.0000001


def test_million_node_chain_backward():
    limit = sys.getrecursionlimit()
    x = tensor(1.0, requires_grad=True)
    y = x
    for _ in range(N):
        y = y * C
    assert y.grad_fn.depth == N
    y.backward()
    # d/dx of x * C^N is C^N (the float product, rounded at each step, stays within 1e-9)
    assert x.grad.item() == pytest.approx(C ** N, rel=1e-9)
    assert x.grad.item() == pytest.approx(math.exp(N * math.log(C)), rel=1e-9)
    assert y.item() == pytest.approx(C ** N, rel=1e-9)
    assert sys.getrecursionlimit() == limit     # no raised recursion limit as a crutch


def test_deep_chain_of_mixed_ops_with_grad():
    # 100,000 steps alternating ops that each save something; grad() with targets
    x = tensor(0.5, requires_grad=True)
    y = x
    for i in range(50_000):
        y = (y + 1.0) - 1.0 if i % 2 else (y * 2.0) / 2.0
    (g,) = grad(y, x)
    assert g.item() == pytest.approx(1.0, rel=1e-9)


def test_deep_chain_is_freed_without_recursion():
    # dropping the last reference to a deep graph must not recurse through node destructors
    x = tensor(1.0, requires_grad=True)
    y = x
    for _ in range(300_000):
        y = y * 1.0
    del y   # would raise RecursionError / crash if freeing recursed
    assert x.grad is None
