"""nn modules, their parameters and optimizers print as PyTorch 2.13 prints them.

tests/nnprint/printing.txt is PyTorch's output of tests/nnprint/printing.gx, made with the
oracle venv (torch 2.13.0) and float64 as the default dtype:

    (echo 'import torch; torch.set_default_dtype(torch.float64)'; cat tests/nnprint/printing.gx) > /tmp/p.py
    /tmp/oracle/bin/python /tmp/p.py > tests/nnprint/printing.txt

It covers "Parameter containing:" (print(p), a list of parameters, an f-string), what is not a
parameter (.data, .detach(), p * 2, p[:1]), iterating a Sequential (for, list), its slices (which
keep PyTorch's names), negative indices and len, and the optimizers' reprs.
"""
from pathlib import Path

import pytest

from gradcli.lang.errors import GxError
from gradcli.session import Options, Session

HERE = Path(__file__).resolve().parent / "nnprint"


def run(source):
    out = []
    Session(Options(), on_print=lambda ev: out.append(ev.text)).run(source, "t.gx")
    return "".join(t + "\n" for t in out)


def test_gradcli_prints_what_pytorch_prints():
    assert run((HERE / "printing.gx").read_text()) == (HERE / "printing.txt").read_text()


def test_pytorch_still_prints_the_expected_text(capsys):
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        exec(compile((HERE / "printing.gx").read_text(), "printing.gx", "exec"), {})
    finally:
        torch.set_default_dtype(old)
    assert capsys.readouterr().out == (HERE / "printing.txt").read_text()


def test_a_parameter_is_marked_by_identity_only():
    text = run("import torch\nl = torch.nn.Linear(1, 1)\nw = l.weight\nv = w.clone()\n"
               "print(w is l.weight, str(v).startswith('Parameter'), str(w).startswith('Parameter'))\n"
               "w.data.fill_(1.0)\nprint(str(l.weight).startswith('Parameter containing:\\ntensor([[1.'))\n")
    assert text == "True False True\nTrue\n"


@pytest.mark.parametrize("src,kind,words", [
    ("m = torch.nn.Sequential(torch.nn.ReLU())\nm[3]", "ValueError", "index 3 is out of range"),
    ("m = torch.nn.Sequential(torch.nn.ReLU())\nm['a']", "TypeError", "integers or slices"),
    ("for m in torch.nn.Linear(1, 1):\n    pass", "TypeError", "not iterable"),
])
def test_bad_uses_of_a_sequential_are_clear_errors(src, kind, words):
    with pytest.raises(GxError) as e:
        run("import torch\n" + src + "\n")
    assert e.value.kind == kind and words in e.value.message and e.value.line >= 2


def test_a_tensors_device_is_the_cpu_as_pytorch_prints_it():
    # torch 2.13 prints this line for the same script (checked with the oracle venv)
    src = ("import torch\nx = torch.ones(2)\n"
           "print(x.device, [x.device], f'{x.device}', x.device == torch.device('cpu'), x.device.type)\n")
    assert run(src) == "cpu [device(type='cpu')] cpu True cpu\n"
