"""engine.fma: a * b + c rounded once, checked against exact rational arithmetic."""
from fractions import Fraction

import numpy as np
import pytest

from gradcli.engine.fma import fma


def exact(a, b, c, dtype):
    q = Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))
    f = dtype(float(q))                                    # may be off by one after double rounding
    cands = [np.nextafter(f, dtype(-np.inf)), f, np.nextafter(f, dtype(np.inf))]
    return min(cands, key=lambda w: (abs(Fraction(float(w)) - q),
                                     int(np.array(w).view(np.int32 if dtype is np.float32 else np.int64)) & 1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", [1.0, 1e-30, 1e30])
def test_correctly_rounded_including_cancellation(dtype, scale):
    rng = np.random.default_rng(7)
    n = 400
    a = (rng.standard_normal(n) * scale).astype(dtype)
    b = rng.standard_normal(n).astype(dtype)
    c = (rng.standard_normal(n) * scale).astype(dtype)
    c[: n // 2] = -(a[: n // 2].astype(np.float64) * b[: n // 2]).astype(dtype)   # catastrophic cancellation
    got = fma(a, b, c)
    assert got.dtype == dtype
    want = np.array([exact(x, y, z, dtype) for x, y, z in zip(a, b, c)], dtype=dtype)
    np.testing.assert_array_equal(got, want)


def test_differs_from_two_roundings_where_it_should():
    # 0.1 * 10 - 1 is 0 with two roundings and 2**-54 (the product's rounding error) with one
    assert 0.1 * 10.0 - 1.0 == 0.0
    assert fma(0.1, 10.0, -1.0) == 2.0 ** -54


def test_non_finite_and_broadcasting():
    out = fma(np.array([np.inf, 1.0, np.nan]), 2.0, np.array([1.0, -np.inf, 0.0]))
    assert out[0] == np.inf and out[1] == -np.inf and np.isnan(out[2])
    assert fma(np.ones((2, 3)), np.arange(3.0), 1.0).shape == (2, 3)
    assert np.ndim(fma(2.0, 3.0, 1.0)) == 0 and fma(2.0, 3.0, 1.0) == 7.0


@pytest.mark.parametrize("n", [1, 3, 4, 5, 9, 17, 100])
def test_is_what_torch_add_alpha_lerp_and_addcmul_compute(n):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(n)
    a, b, c = (rng.standard_normal(n) for _ in range(3))
    ta, tb, tc = (torch.tensor(v) for v in (a, b, c))
    np.testing.assert_array_equal(ta.add(tb, alpha=0.3).numpy(), fma(b, 0.3, a))
    np.testing.assert_array_equal(ta.lerp(tb, 0.1).numpy(), fma(0.1, b - a, a))
    np.testing.assert_array_equal(ta.addcmul(tb, tc, value=0.3).numpy(), fma(0.3 * b, c, a))
