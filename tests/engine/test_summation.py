"""Sums and means add in PyTorch's order (engine/summation.py), so float32 and float64 results
are torch's bits: against sum_table.json (PyTorch 2.13's results, made by make_sum_table.py)
always, and against torch itself when it is importable."""
import json
from pathlib import Path

import numpy as np
import pytest

import gradcli.engine as E
from gradcli.engine import summation
from gradcli.engine.summation import fmean, fsum

from .make_sum_table import LINSPACES, THREADS, cases, digest

TABLE = json.loads(Path(__file__).with_name("sum_table.json").read_text())
CASES = list(cases())


@pytest.fixture(autouse=True)
def torch_threads():
    """The table was made with torch at THREADS threads: emulate the same count."""
    summation.configure(threads=THREADS)
    yield
    summation.configure()


def _np_differs(key):
    a, axes, kd = next((a, ax, k) for k2, a, ax, k in CASES if k2 == key)
    return digest(np.sum(a, axis=axes, keepdims=kd)) != TABLE["sum"][key]


def test_the_table_covers_every_case():
    assert set(TABLE["sum"]) == {k for k, *_ in CASES}


def test_numpys_order_is_not_torchs_on_most_cases():
    """The table can tell the orders apart: numpy's own sum misses most of it."""
    keys = [k for k, *_ in CASES]
    misses = sum(_np_differs(k) for k in keys)
    assert misses > len(keys) // 2


@pytest.mark.parametrize("key,a,axes,kd", CASES, ids=[c[0] for c in CASES])
def test_sum_is_torchs(key, a, axes, kd):
    assert digest(fsum(a, axes, kd)) == TABLE["sum"][key]


@pytest.mark.parametrize("key,a,axes,kd", CASES[::7], ids=[c[0] for c in CASES[::7]])
def test_mean_is_torchs(key, a, axes, kd):
    assert digest(fmean(a, axes, kd)) == TABLE["mean"][key]


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("start,end,steps", LINSPACES)
def test_linspace_is_torchs(dt, start, end, steps):
    assert digest(E.linspace(start, end, steps, dtype=getattr(np, dt)).numpy()) == \
        TABLE["linspace"][f"{dt}/{start}/{end}/{steps}"]


def test_the_thread_count_matters_above_grain_size():
    """A full sum of 32768 elements or more is split between threads as torch splits it."""
    a = next(a for k, a, *_ in CASES if k == "1d/float32/100003")
    two = fsum(a)
    summation.configure(threads=1)
    one = fsum(a)
    assert one != two and digest(two) == TABLE["sum"]["1d/float32/100003"]


def test_other_dtypes_and_edges():
    assert fsum(np.array([1, 2, 3], np.int64)) == 6   # integers: exact
    z = fsum(np.array([-0.0] * 20, np.float32))   # torch starts from +0: never -0
    assert z == 0 and not np.signbit(z)
    assert fsum(np.zeros((0, 3), np.float32), (0,)).tolist() == [0, 0, 0]
    assert np.isnan(fmean(np.zeros(0)))


def _float32_case():
    """A float32 vector whose sum numpy's order gets wrong (so the tests below can fail)."""
    return next((k, a) for k, a, *_ in CASES
                if k.startswith("1d/float32/") and a.size >= 100 and _np_differs(k))


def test_engine_sum_mean_and_losses_use_it():
    key, a = _float32_case()
    x = E.tensor(a, requires_grad=True)
    assert digest(E.sum(x).detach().numpy()) == TABLE["sum"][key]
    assert digest(x.mean().detach().numpy()) == TABLE["mean"][key]
    zero = E.tensor(np.zeros_like(a))
    sq = E.functional_nn.mse_loss(x, zero, reduction="sum")
    assert digest(sq.detach().numpy()) == digest(fsum(a * a))


def test_broadcast_gradients_are_sums_in_torchs_order():
    """The gradient of a broadcast operand is sum_to: one sum over the broadcast dims."""
    key = "float32/(2000, 3)/plain/(0,)/True"
    a = next(a for k, a, *_ in CASES if k == key)
    b = E.tensor(np.zeros((1, 3), np.float32), requires_grad=True)
    (E.tensor(a) * (b + 1)).sum().backward()
    assert digest(b.grad.numpy()) == TABLE["sum"][key]


def test_against_torch_live():
    torch = pytest.importorskip("torch")
    old = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        rng = np.random.default_rng(7)
        for dt in (np.float32, np.float64):
            for n in list(range(1, 70)) + [777, 3001, 65536]:
                a = rng.standard_normal(n).astype(dt)
                assert fsum(a).tobytes() == torch.from_numpy(a).sum().numpy().tobytes(), (dt, n)
            a = rng.standard_normal((6, 50, 7)).astype(dt)
            for axes in [(0,), (1,), (2,), (0, 2), (1, 2), (0, 1)]:
                for v in (a, a.transpose(2, 0, 1), a[:, ::3]):
                    got = fsum(v, axes, True)
                    ref = torch.from_numpy(v).sum(dim=axes, keepdim=True).numpy()
                    assert got.tobytes() == ref.tobytes(), (dt, axes, v.strides)
    finally:
        torch.set_num_threads(old)


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_mean_backward_keeps_float32(dim):
    """mean's gradient is 1/n in the input's dtype (torch: grad.expand(...) / n in float32)."""
    x = E.tensor(np.arange(12, dtype=np.float32).reshape(3, 4), requires_grad=True)
    (x.mean() if dim is None else x.mean(dim).sum()).backward()
    n = 12 if dim is None else (3, 4)[dim]
    assert x.grad.dtype == np.float32
    assert x.grad.numpy().tolist() == [[float(np.float32(1) / np.float32(n))] * 4] * 3


@pytest.mark.parametrize("fn", ["var", "std"])
def test_float32_var_and_std_are_torchs_with_their_gradients(fn):
    """PyTorch accumulates a float32 variance in float64 and rounds once; its var_backward
    is (2 / dof) g (x - mean). Values and gradients agree bit for bit."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    for shape in [(7,), (2000,), (33, 5), (4, 6, 9)]:
        for dim in [None, 0, -1]:
            for corr in (0, 1):
                a = (rng.standard_normal(shape) * 2 + 0.5).astype(np.float32)
                t = torch.from_numpy(a).requires_grad_()
                tr = getattr(t, fn)(correction=corr) if dim is None else \
                    getattr(t, fn)(dim=dim, correction=corr)
                g = rng.standard_normal(tuple(tr.shape)).astype(np.float32)
                tr.backward(torch.from_numpy(g))
                x = E.tensor(a, requires_grad=True)
                y = getattr(E, fn)(x, dim, correction=corr)
                y.backward(E.tensor(g))
                assert y.detach().numpy().tobytes() == tr.detach().numpy().tobytes()
                assert x.grad.numpy().tobytes() == t.grad.numpy().tobytes()


def test_above_the_exact_limit_the_order_is_numpys():
    # documented trade-off (engine/summation.py): past EXACT_LIMIT elements the emulation's
    # several passes would cost the big-tensor benchmark; numpy's pairwise sum is used
    from gradcli.engine.summation import EXACT_LIMIT, fsum
    rng = np.random.default_rng(3)
    for dt in (np.float32, np.float64):
        big = rng.standard_normal(EXACT_LIMIT + 1).astype(dt)
        assert fsum(big).tobytes() == np.sum(big).tobytes()
        assert fsum(big.reshape(-1, 1), (0,)).tobytes() == np.sum(big.reshape(-1, 1), 0).tobytes()
