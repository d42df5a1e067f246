"""--precision, print options and the PyTorch spellings users compare against.

Every expected string below was printed by PyTorch 2.13.0 (the oracle venv,
torch.set_default_dtype(torch.float64), then torch.set_printoptions(precision=P,
sci_mode=S) and repr(torch.tensor(...))), and is checked in as data; the test at
the end recomputes them when torch is installed."""
import numpy as np
import pytest
from click.testing import CliRunner

from gradcli.cli import cli
from gradcli.engine.printing import (PrintOptions, format_tensor, get_printoptions,
                                     set_printoptions)

ORACLE = [
    ("[1/3, 2/3, 1.0]", 8, None, "tensor([0.33333333, 0.66666667, 1.00000000])"),
    ("[1/3, 2/3, 1.0]", 0, None, "tensor([0, 1, 1])"),
    ("[1/3, 2/3, 1.0]", 2, True, "tensor([3.33e-01, 6.67e-01, 1.00e+00])"),
    ("[1e-5, 1.0, 100.0]", 6, None, "tensor([1.000000e-05, 1.000000e+00, 1.000000e+02])"),
    ("[1e-5, 1.0, 100.0]", 3, False, "tensor([  0.000,   1.000, 100.000])"),
    ("[1.0, 2.0, 3.0]", 6, True, "tensor([1.000000e+00, 2.000000e+00, 3.000000e+00])"),
    ("[123456.789, 0.5]", 1, None, "tensor([1.2e+05, 5.0e-01])"),
    ("3.14159265358979", 10, None, "tensor(3.1415926536)"),
    ("[[1.5, -2.25], [1e9, 0.0]]", 2, None,
     "tensor([[ 1.50e+00, -2.25e+00],\n        [ 1.00e+09,  0.00e+00]])"),
    ("[float('nan'), float('inf'), 0.1]", 5, None, "tensor([    nan,     inf, 0.10000])"),
]


@pytest.fixture(autouse=True)
def default_options():
    set_printoptions(profile="default")
    yield
    set_printoptions(profile="default")


@pytest.mark.parametrize("src,precision,sci,want", ORACLE)
def test_precision_and_sci_mode_match_pytorch(src, precision, sci, want):
    set_printoptions(precision=precision, sci_mode=sci)
    assert format_tensor(np.array(eval(src), dtype=np.float64)) == want


def test_options_are_kept_like_torch():
    set_printoptions(precision=6)
    set_printoptions(sci_mode=True)          # precision stays, as in torch
    assert get_printoptions() == PrintOptions(precision=6, sci_mode=True)
    set_printoptions(precision=3)            # sci_mode is reset to None, as in torch
    assert get_printoptions() == PrintOptions(precision=3, sci_mode=None)
    set_printoptions(profile="short")
    assert get_printoptions().precision == 2


@pytest.mark.parametrize("kw", [{"precision": -1}, {"precision": 2.5}, {"precision": True},
                                {"sci_mode": "yes"}, {"profile": "tiny"}])
def test_bad_options_are_refused(kw):
    with pytest.raises(ValueError):
        set_printoptions(**kw)


def grad(*args):
    r = CliRunner().invoke(cli, ["grad", *args, "--format", "plain"])
    assert r.exit_code == 0, r.output
    return r.output


def test_precision_option_and_it_does_not_leak():
    assert grad("x/3", "x=1", "--precision", "8") == "f = tensor(0.33333333)\ndf/dx = tensor(0.33333333)\n"
    assert grad("x/3", "x=1") == "f = tensor(0.3333)\ndf/dx = tensor(0.3333)\n"
    assert grad("x/3", "x=1", "--precision", "0") == "f = tensor(0)\ndf/dx = tensor(0)\n"


def test_precision_option_in_run_prints():
    r = CliRunner().invoke(cli, ["run", "-", "--precision", "6"],
                           input="print(tensor([1e-5, 1.0, 100.0]))\n")
    assert r.output == "tensor([1.000000e-05, 1.000000e+00, 1.000000e+02])\n"


def test_precision_out_of_range_is_a_usage_error():
    r = CliRunner().invoke(cli, ["grad", "x", "x=1", "--precision", "31"])
    assert r.exit_code == 2 and "--precision" in r.output


# ----------------------------------------------------------------- return_types

MAXMIN = [
    ("x.max(0)", "torch.return_types.max(\nvalues=tensor([3., 5., 9.]),\nindices=tensor([0, 1, 1]))"),
    ("x.min(1)", "torch.return_types.min(\nvalues=tensor([1., 1.]),\nindices=tensor([1, 0]))"),
    ("x.max(1, keepdim=True)", "torch.return_types.max(\nvalues=tensor([[4.],\n        [9.]]),\n"
                               "indices=tensor([[2],\n        [2]]))"),
]


@pytest.mark.parametrize("expr,want", MAXMIN)
def test_max_with_dim_prints_as_torch_return_types(expr, want):
    src = f"x = tensor([[3., 1., 4.], [1., 5., 9.]])\nprint({expr})\nv, i = {expr}\nprint(v.shape)\n"
    r = CliRunner().invoke(cli, ["run", "-"], input=src)
    assert r.output.startswith(want + "\n")       # and it still unpacks as a pair


# ----------------------------------------------------------------- --summary alignment

def test_summary_value_column_keeps_pytorch_padding():
    src = "a = tensor([0.5, -12.0, 100.25])\nb = tensor([[1.5, -2.25], [10.0, 0.0]])\n"
    r = CliRunner().invoke(cli, ["run", "-", "--summary", "--format", "plain"], input=src)
    rows = {line.split()[0]: line for line in r.output.splitlines()[2:]}
    # torch: tensor([  0.5000, -12.0000, 100.2500]) and tensor([[ 1.5000, -2.2500],\n [10.0000,  0.0000]])
    assert "[  0.5000, -12.0000, 100.2500]" in rows["a"]
    assert "[[ 1.5000, -2.2500], [10.0000,  0.0000]]" in rows["b"]
    assert all(line == line.rstrip() for line in r.output.splitlines())


def test_oracle_table_is_what_torch_prints():
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        for src, precision, sci, want in ORACLE:
            torch.set_printoptions(precision=precision, sci_mode=sci)
            assert repr(torch.tensor(eval(src))) == want
        torch.set_printoptions(profile="default", sci_mode=None)
        x = torch.tensor([[3., 1., 4.], [1., 5., 9.]])  # noqa: F841 (read by eval)
        for expr, want in MAXMIN:
            assert repr(eval(expr)) == want
    finally:
        torch.set_printoptions(profile="default", sci_mode=None)
        torch.set_default_dtype(old)


# ----------------------------------------------------------------- set_printoptions in .gx
# expected strings: PyTorch 2.13 on tensor([1/3, 2.0]) (float64 default) after the same calls

SCRIPT = ("x = tensor([1/3, 2.0])\nprint(x)\nset_printoptions(precision=8)\nprint(x)\n"
          "import torch\ntorch.set_printoptions(sci_mode=True, precision=2)\nprint(x)\n"
          "torch.set_printoptions(precision=6)\nprint(x)\n")
WANT = ["tensor([0.3333, 2.0000])", "tensor([0.33333333, 2.00000000])",
        "tensor([3.33e-01, 2.00e+00])", "tensor([0.333333, 2.000000])"]


def test_set_printoptions_in_a_script():
    r = CliRunner().invoke(cli, ["run", "-"], input=SCRIPT)
    assert r.output.splitlines() == WANT


def test_set_printoptions_reaches_the_summary_and_not_the_next_run():
    src = "x = tensor([1/3, 2.0])\nset_printoptions(precision=6)\n"
    r = CliRunner().invoke(cli, ["run", "-", "--summary", "--format", "plain"], input=src)
    assert "[0.333333, 2.000000]" in r.output
    r = CliRunner().invoke(cli, ["run", "-"], input="print(tensor([1/3, 2.0]))\n")
    assert r.output == WANT[0] + "\n"


@pytest.mark.parametrize("call,message", [
    ("set_printoptions(precision=-1)", "precision must be an integer from 0 to 30"),
    ("set_printoptions(sci_mode='yes')", "sci_mode must be True, False or None"),
    ("set_printoptions(threshold=5)", "supports precision, sci_mode and profile"),
])
def test_set_printoptions_refuses_with_a_position(call, message):
    r = CliRunner().invoke(cli, ["run", "-"], input=f"x = 1\n{call}\n")
    assert r.exit_code == 1
    assert f"<stdin>:2:1: ValueError: set_printoptions(): {message}" in r.stderr or \
        ("<stdin>:2:1: ValueError:" in r.stderr and message in r.stderr)


def test_repl_echo_follows_set_printoptions():
    pexpect = pytest.importorskip("pexpect")
    import os
    import sys
    env = dict(os.environ, NO_COLOR="1", TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
    c = pexpect.spawn(sys.executable, ["-m", "gradcli", "repl"], env=env, encoding="utf-8",
                      timeout=30, dimensions=(24, 100))
    c.expect(">>>")
    c.sendline("x = tensor([1/3, 2.0])")
    c.expect(">>>")
    c.sendline("set_printoptions(precision=6)")
    c.expect(">>>")
    c.sendline("x")
    c.expect(r"tensor\(\[0\.333333, 2\.000000\]\)")
    c.sendline("quit()")
    c.expect(pexpect.EOF)
