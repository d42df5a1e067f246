"""The random built-ins, dtypes and integer rules as a script sees them (through Session).

SCRIPT's expected output is what torch 2.13 printed for the same script with
torch.set_default_dtype(torch.float64) (the engine's default); with torch installed the
test also runs it there.
"""
import pytest

from gradcli.lang.errors import GxError
from gradcli.session import Options, Session

SCRIPT = """import torch
torch.manual_seed(0)
print(torch.randint(0, 10, (5,)), torch.randperm(6), torch.normal(2.0, 0.5, (3,)))
x = torch.zeros(2, 3)
x.uniform_(-1, 1)
print(x, torch.bernoulli(torch.full((4,), 0.5)), torch.randint_like(x, 5))
print(torch.rand_like(x, dtype=torch.float32))
w = torch.zeros(20, requires_grad=True)
with torch.no_grad():
    w.normal_(0.0, 0.1)
print(w.sum())
"""
EXPECTED = """tensor([4, 9, 3, 0, 3]) tensor([3, 0, 5, 4, 2, 1]) tensor([2.0802, 1.6968, 1.6085])
tensor([[-0.4235, -0.0943, -0.6464],
        [-0.2895,  0.2438, -0.0363]]) tensor([1., 1., 1., 0.]) tensor([[1., 3., 3.],
        [3., 1., 4.]])
tensor([[0.1387, 0.2422, 0.8155],
        [0.7932, 0.2783, 0.4820]], dtype=torch.float32)
tensor(-0.8152, grad_fn=<SumBackward0>)"""


def _run(src, **opts):
    out = []
    Session(Options(**opts), on_print=lambda e: out.append(e.text)).run(src, "t.gx")
    return "\n".join(out)


def test_script_prints_torchs_numbers():
    assert _run(SCRIPT) == EXPECTED


def test_script_as_torch_runs_it(capsys):
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        exec(SCRIPT, {})
    finally:
        torch.set_default_dtype(old)
    assert capsys.readouterr().out.rstrip("\n") == EXPECTED


def test_seed_option_matches_manual_seed():
    assert _run("print(randn(4))", seed=7) == _run("manual_seed(7)\nprint(randn(4))")


@pytest.mark.parametrize("src, kind, text, col", [
    ("t = tensor([4, 7])\nprint(t // 0)\n", "RuntimeError", "ZeroDivisionError", 9),
    ("t = tensor([4, 7])\nprint(t % tensor([1, 0]))\n", "RuntimeError", "ZeroDivisionError", 9),
    ("t = tensor([4, 7])\nprint(t ** -1)\n", "RuntimeError", "negative integer powers", 9),
    ("t = tensor([True])\nprint(-t)\n", "RuntimeError", "bool tensor", 7),
    ("x = 1\nprint(randint(0, 10))\n", "TypeError", "needs a size", 7),
    ("x = 1\nprint(ones(2, dtype='int32'))\n", "TypeError", "float32, float64, int64 and bool", 7),
    ("x = ones(2)\nprint(zeros_like(x, dtype='float16'))\n", "TypeError", "float32, float64, int64 and bool", 7),
])
def test_errors_have_a_position(src, kind, text, col):
    with pytest.raises(GxError) as info:
        _run(src)
    e = info.value
    assert e.kind in (kind, "TypeError") and text in str(e)
    assert (e.line, e.col) == (2, col)


def test_strict_reports_integer_overflow():
    src = "t = tensor([2 ** 62, 3])\ny = t * 4\n"
    with pytest.raises(GxError) as info:
        _run(src, strict=True)
    assert info.value.kind == "NumericError" and "overflowed int64" in str(info.value)
    assert (info.value.line, info.value.col) == (2, 7)         # the operator
    assert _run(src + "print(y)\n") == "tensor([ 0, 12])"      # wraps, as in PyTorch (its print)


SCRIPT32 = """import torch
torch.manual_seed(42)
x = torch.randn(20, 1)
print(x[:3])
print(torch.randn(2, dtype=torch.float64))
print(torch.tensor([1.5]).double())
"""
# torch 2.13 with its default dtype float32 (what tutorials assume) printed:
EXPECTED32 = """tensor([[1.9269],
        [1.4873],
        [0.9007]])
tensor([-0.7658, -0.7506], dtype=torch.float64)
tensor([1.5000], dtype=torch.float64)"""


def test_float32_default_prints_as_torch():
    """--dtype float32: torch's default, its float32 numbers (the 16-wide float32 normal
    path) and its printing, which names only a dtype other than the default."""
    assert _run(SCRIPT32, dtype="float32") == EXPECTED32


def test_float32_script_as_torch_runs_it(capsys):
    pytest.importorskip("torch")
    exec(SCRIPT32, {})
    assert capsys.readouterr().out.rstrip("\n") == EXPECTED32
