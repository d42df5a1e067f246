"""_op.finite, behind the NaN/inf hook (--strict, the first-NaN warning): big arrays are
judged by one sum, with every element looked at when the sum overflows."""
import numpy as np
import pytest

from gradcli.engine._op import finite

BIG = 10_000      # over the size where the sum is used


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
@pytest.mark.parametrize("n", [10, BIG])
def test_finite_arrays_pass(dtype, n):
    assert finite(np.random.default_rng(0).random(n).astype(dtype))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
@pytest.mark.parametrize("n", [10, BIG])
def test_one_bad_element_is_found(bad, dtype, n):
    a = np.random.default_rng(1).random(n).astype(dtype)
    a[n // 3] = bad
    assert not finite(a)


@pytest.mark.parametrize("dtype, big", [(np.float64, 1e308), (np.float32, 3e38)])
def test_a_sum_that_overflows_from_finite_values_is_still_finite(dtype, big):
    a = np.full(BIG, big, dtype=dtype)
    with np.errstate(all="raise"):        # and it warns about nothing
        assert finite(a)
    a[17] = np.inf
    assert not finite(a)


def test_infinities_of_both_signs_are_not_finite():
    a = np.zeros(BIG)
    a[0], a[1] = np.inf, -np.inf          # the sum is NaN
    assert not finite(a)


def test_scalars_and_integers():
    assert finite(np.float64(1.0)) and not finite(np.float64(np.nan)) and not finite(float("inf"))
    assert finite(np.arange(BIG))
    assert finite(np.broadcast_to(np.float64(2.0), (BIG,)))


def test_broadcast_views_are_judged_by_their_values():
    v = np.broadcast_to(np.array([1.0, np.nan]), (BIG, 2))
    assert not finite(v)
    assert finite(np.broadcast_to(np.array([1.0, 2.0]), (BIG, 2)))
    assert not finite(np.broadcast_to(np.float64(np.inf), (3, BIG)))
    assert finite(np.broadcast_to(np.float64(1.0), (0, 5)))
