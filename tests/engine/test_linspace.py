"""linspace gives PyTorch 2.13's CPU values bit for bit, not numpy's (they differ in the
last bit inside the range: e.g. linspace(0, 2*pi, 25)[13] is 3.4033920413889427 in torch,
3.4033920413889422 in numpy). TORCH_DIGESTS: sha256 (first 16 hex digits) of
torch.linspace(start, end, steps, dtype=...).numpy().tobytes(), made with torch 2.13.0 in the
oracle venv; test_against_torch recomputes them live when torch is installed."""
import hashlib
import math

import numpy as np
import pytest

from gradcli.engine import linspace

TORCH_DIGESTS = [
    ["float64", -math.pi, math.pi, 2000, "2d864e18202a3a05"],
    ["float64", 0, 2 * math.pi, 25, "e6a2b68ac57afd4b"],
    ["float64", 0, 1, 50, "23c002da3b04f5ab"],
    ["float64", 0.001, 7.5, 1001, "b4d57d8b49122177"],
    ["float64", 2, -3, 17, "cf0427f530aebebe"],
    ["float64", -3.3, 12.9, 12345, "382afef48b2fbe8e"],
    ["float64", 0.1, 0.7, 3, "fdb5f7305f5d0397"],
    ["float32", -math.pi, math.pi, 2000, "015ad3d111e14c15"],
    ["float32", 0, 2 * math.pi, 25, "03b56c39d63e98a0"],
    ["float32", 0, 1, 50, "9cd20bad375dd772"],
    ["float32", 0.001, 7.5, 1001, "ab8b2edf4fc6df1d"],
    ["float32", 2, -3, 17, "85b062aa51fc90d7"],
    ["float32", -3.3, 12.9, 12345, "dd986f1dbfd94081"],
    ["float32", 0.1, 0.7, 3, "e29beea0f886c74c"],
]


def ours(dtype, a, b, n):
    return np.asarray(linspace(a, b, n, dtype=np.dtype(dtype)).tolist(), dtype=dtype)


@pytest.mark.parametrize("dtype,a,b,n,digest", TORCH_DIGESTS)
def test_bits_are_torchs(dtype, a, b, n, digest):
    assert hashlib.sha256(ours(dtype, a, b, n).tobytes()).hexdigest()[:16] == digest


def test_a_value_numpy_gets_otherwise():
    assert ours("float64", 0, 2 * math.pi, 25)[13] == 3.4033920413889427      # torch's
    assert np.linspace(0, 2 * math.pi, 25)[13] == 3.4033920413889422          # numpy's


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_small_counts(n):
    got = ours("float64", -1.5, 2.5, n)
    assert len(got) == n
    if n:
        assert got[0] == -1.5 and (n == 1 or got[-1] == 2.5)


def test_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    cases = [(float(a), float(b), int(n)) for a, b, n in
             zip(rng.uniform(-50, 50, 40), rng.uniform(-50, 50, 40), rng.integers(0, 3000, 40))]
    for dtype, tdt in (("float64", torch.float64), ("float32", torch.float32)):
        for a, b, n in cases:
            want = torch.linspace(a, b, n, dtype=tdt).numpy()
            assert np.array_equal(ours(dtype, a, b, n).view(np.uint8), want.view(np.uint8)), (a, b, n)
