"""Every differentiable op of LANGUAGE.md passes gradcheck at order 1 and 2 on its samples."""
from __future__ import annotations

import numpy as np
import pytest

from gradcli.engine import gradcheck, gradgradcheck

from .registry import SAMPLES, language_names, registry_names


def test_every_language_op_has_samples():
    missing = sorted(language_names() - registry_names())
    assert not missing, f"ops of LANGUAGE.md without registry samples: {missing}"


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
