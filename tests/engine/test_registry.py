"""Every differentiable op of LANGUAGE.md passes gradcheck at order 1 and 2 on its samples."""
from __future__ import annotations

import numpy as np
import pytest

import gradcli.engine as E
from gradcli.engine import gradcheck, gradgradcheck

from .registry import LANGUAGE_MD, SAMPLES, SHARED_MISSING, language_names, registry_names

needs_spec = pytest.mark.skipif(not LANGUAGE_MD.exists(), reason=SHARED_MISSING)


@needs_spec
def test_every_language_op_has_samples():
    missing = sorted(language_names() - registry_names())
    assert not missing, f"ops of LANGUAGE.md without registry samples: {missing}"


@needs_spec
def test_registry_names_are_language_names():
    # a typo in the registry would otherwise silently cover nothing
    extra = sorted(registry_names() - language_names())
    assert not extra, f"registry ops that LANGUAGE.md does not list: {extra}"


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
