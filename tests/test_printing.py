"""Tensor printing against PyTorch.

GOLDEN rows were printed by PyTorch 2.13 (CPU, ``torch.set_default_dtype(torch.float64)``)
and checked by hand against its rules: 4 decimals, integer-valued floats as ``1.``,
scientific notation when max/min > 1000 or max > 1e8 or min < 1e-4 (nonzero finite
values), summarization above 1000 elements, 80 columns.  When torch is importable,
``test_against_torch`` compares many more arrays directly.
"""
import numpy as np
import pytest

from gradcli.engine.printing import format_body, format_tensor, torch_dtype_name

nan, inf = float("nan"), float("inf")

GOLDEN = [
    # (data, requires_grad, grad_fn, expected)
    (np.full((2, 2), 4.5), False, None, "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])"),
    (np.array(27.0), False, "MeanBackward0", "tensor(27., grad_fn=<MeanBackward0>)"),
    (np.array([1.0, 2.0]), True, None, "tensor([1., 2.], requires_grad=True)"),
    (np.array(3.0), False, None, "tensor(3.)"),
    (np.array([1, 2, 3]), False, None, "tensor([1, 2, 3])"),
    # min < 1e-4 is not sci (1e-4 itself is the edge), but max/min = 1e4 > 1000 is
    (np.array([0.1, 1.0, 0.0001]), False, None, "tensor([1.0000e-01, 1.0000e+00, 1.0000e-04])"),
    (np.array([1e9, 1.0]), False, None, "tensor([1.0000e+09, 1.0000e+00])"),
    (np.array([0.5, 1e-5]), False, None, "tensor([5.0000e-01, 1.0000e-05])"),
    # ratio exactly 1000 stays fixed-point; 1001 switches to scientific
    (np.array([1000.0, 1.0]), False, None, "tensor([1000.,    1.])"),
    (np.array([1001.0, 1.0]), False, None, "tensor([1.0010e+03, 1.0000e+00])"),
    (np.array([-1.5, 2.25]), False, None, "tensor([-1.5000,  2.2500])"),
    # non-finite values: no trailing point, width from the finite values only
    (np.array([nan, inf, -inf, 0.0]), False, None, "tensor([nan, inf, -inf, 0.])"),
    (np.array([nan, 1.5]), False, None, "tensor([   nan, 1.5000])"),
    (np.array([-0.0]), False, None, "tensor([-0.])"),
    (np.zeros(3), False, None, "tensor([0., 0., 0.])"),
    # dtype suffix: float64 is our default; int64 and bool never show theirs
    (np.array([1.5, 2.0], dtype=np.float32), False, None,
     "tensor([1.5000, 2.0000], dtype=torch.float32)"),
    (np.array([True, False]), False, None, "tensor([ True, False])"),
    (np.array([1, 2], dtype=np.int32), False, None, "tensor([1, 2], dtype=torch.int32)"),
    (np.zeros(0), False, None, "tensor([])"),
    (np.zeros((0, 3)), False, None, "tensor([], size=(0, 3))"),
    (np.zeros(0, dtype=np.int64), False, None, "tensor([], dtype=torch.int64)"),
    (np.array([[1, -200], [3, 4]]), False, None, "tensor([[   1, -200],\n        [   3,    4]])"),
    (np.arange(24.0).reshape(2, 3, 4), False, None,
     "tensor([[[ 0.,  1.,  2.,  3.],\n"
     "         [ 4.,  5.,  6.,  7.],\n"
     "         [ 8.,  9., 10., 11.]],\n"
     "\n"
     "        [[12., 13., 14., 15.],\n"
     "         [16., 17., 18., 19.],\n"
     "         [20., 21., 22., 23.]]])"),
    # 9 elements of width 6 fit in 80 - 7 columns; the suffix goes after the last line
    (np.arange(30.0) / 7, True, "MulBackward0",
     "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n"
     "        1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n"
     "        2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n"
     "        3.8571, 4.0000, 4.1429], grad_fn=<MulBackward0>)"),
    # summarized: the format is chosen from the shown items (0..2, 1997..1999 -> ratio > 1000)
    (np.arange(2000.0), False, None,
     "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
     "        1.9990e+03])"),
    (np.arange(2000.0).reshape(40, 50), False, None,
     "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 4.7000e+01, 4.8000e+01,\n"
     "         4.9000e+01],\n"
     "        [5.0000e+01, 5.1000e+01, 5.2000e+01,  ..., 9.7000e+01, 9.8000e+01,\n"
     "         9.9000e+01],\n"
     "        [1.0000e+02, 1.0100e+02, 1.0200e+02,  ..., 1.4700e+02, 1.4800e+02,\n"
     "         1.4900e+02],\n"
     "        ...,\n"
     "        [1.8500e+03, 1.8510e+03, 1.8520e+03,  ..., 1.8970e+03, 1.8980e+03,\n"
     "         1.8990e+03],\n"
     "        [1.9000e+03, 1.9010e+03, 1.9020e+03,  ..., 1.9470e+03, 1.9480e+03,\n"
     "         1.9490e+03],\n"
     "        [1.9500e+03, 1.9510e+03, 1.9520e+03,  ..., 1.9970e+03, 1.9980e+03,\n"
     "         1.9990e+03]])"),
]


@pytest.mark.parametrize("data,requires_grad,grad_fn,expected", GOLDEN)
def test_golden(data, requires_grad, grad_fn, expected):
    assert format_tensor(data, requires_grad, grad_fn) == expected


def test_grad_fn_wins_over_requires_grad():
    assert format_tensor(np.array(1.0), True, "AddBackward0") == "tensor(1., grad_fn=<AddBackward0>)"


def test_default_dtype_float32_hides_float32_and_shows_float64():
    assert format_tensor(np.array([1.5], dtype=np.float32), default_dtype=np.float32) == "tensor([1.5000])"
    assert (format_tensor(np.array([1.5]), default_dtype=np.float32)
            == "tensor([1.5000], dtype=torch.float64)")


def test_suffix_wraps_when_the_line_is_full():
    # 72 columns of values: ", requires_grad=True" would pass 80 columns
    text = format_tensor(np.arange(9.0) + 0.5, True)
    assert text.endswith("],\n       requires_grad=True)")


def test_large_tensor_prints_fast_and_only_edges():
    text = format_tensor(np.ones((3000, 3000)))
    assert text.count("\n") == 6 and "..." in text


def test_body_and_dtype_name():
    assert format_body(np.array([[1.0, 2.0], [3.0, 4.0]])) == "[[1., 2.],\n [3., 4.]]"
    assert torch_dtype_name(np.float32) == "torch.float32"
    assert torch_dtype_name(np.bool_) == "torch.bool"


def _torch_cases():
    rng = np.random.default_rng(0)
    cases = [np.array(x) for x in (0.0, -0.0, 1e300, 1e-320, nan, inf)]
    for shape in [(), (1,), (5,), (30,), (7, 9), (3, 4, 5), (2, 3, 4, 5), (1001,), (40, 30), (12, 12, 12)]:
        for scale in (1e-6, 1e-2, 1.0, 1e3, 1e9):
            a = rng.standard_normal(shape) * scale
            cases += [a, np.round(a), a.astype(np.float32)]
        cases.append(rng.integers(-1000, 1000, shape))
    b = rng.standard_normal((4, 4))
    b[0, 0], b[1, 1], b[2, 2] = nan, inf, 0.0
    cases.append(b)
    return cases


def test_against_torch():
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    for a in _torch_cases():
        for rg in ((False, True) if a.dtype.kind == "f" else (False,)):
            t = torch.tensor(a, requires_grad=rg)
            assert format_tensor(a, rg) == repr(t), (a.dtype, a.shape)
            if rg:
                assert format_tensor(a, rg, "MulBackward0") == repr(t * 1)
