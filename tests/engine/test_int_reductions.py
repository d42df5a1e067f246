"""int64 sum, prod, cumsum and matmul/dot that leave the int64 range are reported under
anomaly mode (``--strict``), as ``+ - * **`` are; a true result that fits is not, even when
a partial sum wrapped on the way (two's complement gives the true result then)."""
import numpy as np
import pytest

import gradcli.engine as E
from gradcli.session import Options, Session
from gradcli.lang.errors import GxError

B = 2 ** 62
OVER = [
    ("m.sum(m.tensor([B, B]))", "SumBackward0"),                    # 2**63
    ("m.tensor([[B, 1], [B, 1]]).sum(0)", "SumBackward1"),          # 2**63 in column 0
    ("m.tensor([-B, -B, -1]).sum()", "SumBackward0"),               # -2**63 - 1
    ("m.prod(m.tensor([2 ** 32, 2 ** 32]))", "ProdBackward0"),      # 2**64
    ("m.tensor([[3, 2 ** 62], [1, 1]]).prod(1)", "ProdBackward1"),  # 3 * 2**62
    ("m.cumsum(m.tensor([B, B, -B, -B]), 0)", "CumsumBackward0"),   # a prefix is 2**63
    ("m.dot(m.tensor([2 ** 31, 2 ** 31]), m.tensor([2 ** 31, 2 ** 31]))", "DotBackward0"),
    ("m.matmul(m.tensor([[2 ** 40, 1]]), m.tensor([[2 ** 23], [0]]))", "MmBackward0"),
    ("m.matmul(m.tensor([[2 ** 62, 2 ** 62]]), m.tensor([1, 1]))", "MvBackward0"),
]
FITS = [
    "m.sum(m.tensor([B, B, -B]))",                  # wraps on the way, true value 2**62
    "m.sum(m.tensor([2 ** 63 - 1, 0]))",
    "m.tensor([-B, -B]).sum()",                     # exactly -2**63
    "m.prod(m.tensor([2 ** 32, 2 ** 32, 0]))",      # 0
    "m.prod(m.tensor([-2 ** 31, 2 ** 32]))",        # exactly -2**63
    "m.cumsum(m.tensor([B, B - 1, -B]), 0)",        # every prefix fits
    "m.dot(m.tensor([2 ** 31, -2 ** 31]), m.tensor([2 ** 31, 2 ** 31]))",
    "m.sum(m.tensor([1.0e300, 1.0e300]))",          # floats: not this check
]


def _events(expr):
    events = []
    with np.errstate(all="ignore"), E.anomaly_mode(lambda *ev: events.append(ev)):
        eval(expr, {"m": E, "B": B})
    return [e for e in events if e[0] == "overflow"]


@pytest.mark.parametrize("expr,node", OVER, ids=[e for e, _ in OVER])
def test_overflow_is_reported(expr, node):
    assert _events(expr) == [("overflow", node, None)]


@pytest.mark.parametrize("expr", FITS)
def test_a_result_that_fits_is_not(expr):
    assert _events(expr) == []


def test_nothing_is_checked_outside_anomaly_mode():
    assert E.sum(E.tensor([B, B])).item() == -2 ** 63          # wraps, as in PyTorch


def _run(src, strict):
    out = []
    Session(Options(strict=strict), on_print=lambda ev: out.append(ev.text)).run(src, "t.gx")
    return "\n".join(out)


def test_strict_makes_it_an_error_at_the_call():
    src = "t = tensor([2 ** 62, 2 ** 62])\ny = t.sum()\nprint(y)\n"
    with pytest.raises(GxError) as info:
        _run(src, strict=True)
    assert info.value.kind == "NumericError" and "overflowed int64" in str(info.value)
    assert info.value.line == 2
    assert _run(src, strict=False) == "tensor(-9223372036854775808)"
