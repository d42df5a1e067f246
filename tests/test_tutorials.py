"""Scripts from PyTorch's tutorials (tests/tutorials/*.gx) print what PyTorch 2.13 prints.

expected/*.txt is PyTorch's output (tests/tutorials/README.md says how it was made); with
torch importable, the scripts are run in PyTorch again and compared with the same files.
"""
import os
from pathlib import Path

import pytest

from gradcli.session import Options, Session

HERE = Path(__file__).resolve().parent / "tutorials"
NAMES = sorted(p.stem for p in HERE.glob("*.gx"))


def expected(name):
    return (HERE / "expected" / f"{name}.txt").read_text()


def test_the_tutorials_are_there():
    assert NAMES == ["autograd_intro", "linreg_d2l", "poly_optim"]


@pytest.mark.parametrize("name", NAMES)
def test_gradcli_prints_what_pytorch_prints(name):
    out = []
    s = Session(Options(), on_print=lambda ev: out.append(ev.text))
    s.run((HERE / f"{name}.gx").read_text(), f"{name}.gx")
    assert "\n".join(out) + "\n" == expected(name)


@pytest.mark.parametrize("name", NAMES)
def test_pytorch_still_prints_the_expected_text(name, capsys):
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        cwd = os.getcwd()
        exec(compile((HERE / f"{name}.gx").read_text(), f"{name}.gx", "exec"), {})
    finally:
        torch.set_default_dtype(old)
        os.chdir(cwd)
    assert capsys.readouterr().out == expected(name)
