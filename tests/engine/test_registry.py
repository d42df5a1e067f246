"""Every differentiable op of LANGUAGE.md passes gradcheck at order 1 and 2 on its samples."""
from __future__ import annotations

import numpy as np
import pytest

import gradcli.engine as E
from gradcli.engine import gradcheck, gradgradcheck

from .registry import (HAVE_SCIPY, LANGUAGE_MD, SAMPLES, SCIPY_OPS, SHARED_MISSING, language_names,
                       registry_names)

needs_spec = pytest.mark.skipif(not LANGUAGE_MD.exists(), reason=SHARED_MISSING)


@needs_spec
def test_every_language_op_has_samples():
    missing = sorted(language_names() - registry_names() - (set() if HAVE_SCIPY else SCIPY_OPS))
    assert not missing, f"ops of LANGUAGE.md without registry samples: {missing}"


@needs_spec
def test_registry_names_are_language_names():
    # a typo in the registry would otherwise silently cover nothing
    extra = sorted(registry_names() - language_names())
    assert not extra, f"registry ops that LANGUAGE.md does not list: {extra}"


@pytest.mark.skipif(HAVE_SCIPY, reason="scipy is installed: its ops' samples run")
def test_without_scipy_its_ops_are_not_checked():
    pytest.skip(f"scipy is not installed: no samples for {sorted(SCIPY_OPS)} "
                "(pip install 'gradcli[special]')")


def test_sample_ids_are_unique():
    ids = [s.id for s in SAMPLES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_gradcheck(sample):
    xs = sample.variables()
    out = sample.fn(*xs)
    assert out.dtype == np.float64
    assert out.requires_grad, f"{sample.id}: the result does not require grad"
    assert gradcheck(sample.fn, xs)


def reference_grads(out, inputs, seed):
    """A backward walk to compare the engine's ``_walk`` with: a topological order of the
    graph by an explicit stack (no recursion), then every node's engine-op rule
    (``apply``) once, from the root down, summing what reaches each node."""
    root = out._node          # grad_fn, or the AccumulateGrad of an op that returned its input
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            order.append(node)            # after everything it leads to
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((n, False) for n, _ in node.next_functions if n is not None)
    grads, leaves = {id(root): seed}, {}
    for node in reversed(order):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if isinstance(node, E.AccumulateGrad):
            leaves[id(node.variable)] = g
            continue
        for (n, _), d in zip(node.next_functions, node.apply(g)):
            if n is not None and d is not None:
                grads[id(n)] = grads[id(n)] + d if id(n) in grads else d
    return [leaves.get(id(x)) for x in inputs]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_walk_agrees_with_the_reference_walk(sample):
    xs = sample.variables()
    out = sample.fn(*xs)
    seed = E.tensor(np.random.default_rng(5).standard_normal(out.shape))
    with E.no_grad():
        want = reference_grads(out, xs, seed)
    got = E.grad(out, list(xs), grad_outputs=seed, allow_unused=True)
    for k, (g, w) in enumerate(zip(got, want)):
        assert (g is None) == (w is None), f"input {k}: one walk reached it, the other did not"
        if g is not None:
            np.testing.assert_allclose(g.tolist(), w.tolist(), rtol=1e-10, atol=1e-12,
                                       err_msg=f"gradient of input {k}")


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_gradgradcheck(sample):
    assert gradgradcheck(sample.fn, sample.variables())


# numpy's spellings (axis=, keepdims=) of the reductions are the same ops as PyTorch's
SPELLINGS = [
    ("sum", lambda x: E.sum(x, dim=1, keepdim=True), lambda x: E.sum(x, axis=1, keepdims=True)),
    ("sum tuple", lambda x: E.sum(x, (0, 1)), lambda x: E.sum(x, axis=(0, 1))),
    ("mean", lambda x: E.mean(x, 0), lambda x: E.mean(x, axis=0)),
    ("prod", lambda x: x.prod(dim=-1), lambda x: E.prod(x, axis=-1)),
    ("max", lambda x: x.max(dim=1).values, lambda x: E.max(x, axis=1).values),
    ("min", lambda x: x.min(1, True)[0], lambda x: E.min(x, axis=1, keepdims=True).values),
    ("norm", lambda x: E.norm(x, dim=1), lambda x: E.norm(x, axis=1)),
    ("norm ord", lambda x: E.norm(x, 1, dim=0), lambda x: E.norm(x, ord=1, axis=0)),
    ("var", lambda x: E.var(x, 0, correction=0), lambda x: E.var(x, axis=0, unbiased=False)),
    ("std", lambda x: x.std(dim=1, keepdim=True), lambda x: E.std(x, axis=1, keepdims=True)),
    ("logsumexp", lambda x: E.logsumexp(x, 1), lambda x: E.logsumexp(x, axis=1)),
    ("softmax", lambda x: E.softmax(x, 0), lambda x: E.softmax(x, axis=0)),
    ("log_softmax", lambda x: x.log_softmax(dim=0), lambda x: E.log_softmax(x, axis=0)),
    ("cumsum", lambda x: x.cumsum(dim=1), lambda x: E.cumsum(x, axis=1)),
]


@pytest.mark.parametrize("name,torch_style,numpy_style", SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_numpy_spellings_agree(name, torch_style, numpy_style):
    x0 = np.array([[0.3, -1.2, 2.0], [1.1, 0.4, -0.7]])
    a, b = E.tensor(x0, requires_grad=True), E.tensor(x0, requires_grad=True)
    ya, yb = torch_style(a), numpy_style(b)
    assert ya.shape == yb.shape
    np.testing.assert_array_equal(ya.tolist(), yb.tolist())
    w = E.tensor(np.arange(1.0, 1.0 + ya.numel()).reshape(ya.shape))
    (ya * w).sum().backward()
    (yb * w).sum().backward()
    np.testing.assert_array_equal(a.grad.tolist(), b.grad.tolist())
    assert gradcheck(numpy_style, (E.tensor(x0, requires_grad=True),))
