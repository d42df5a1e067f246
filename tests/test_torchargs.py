"""PyTorch's keyword names for arguments (lang/torchargs.py): `torch.matmul(input=a,
other=b)` is `torch.matmul(a, b)`. Each keyword call is compared with the same call
written positionally (the engine's own path); the names themselves are checked against
PyTorch's signatures (the first line of `torch.X.__doc__`) when torch is installed."""
import re

import numpy as np
import pytest

from gradcli.lang.errors import GxError
from gradcli.lang.torchargs import DEFAULT, SIGNATURES
from gradcli.session import Options, Session

SETUP = ("import torch\n"
         "a = torch.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)\n"
         "b = torch.tensor([[0.5, 2.0], [-1.0, 0.25]])\n"
         "v = torch.tensor([1.0, 2.0])\n")

# (keyword form, positional form)
PAIRS = [
    ("torch.matmul(input=a, other=b)", "torch.matmul(a, b)"),
    ("torch.matmul(a, other=b)", "torch.matmul(a, b)"),
    ("torch.mm(input=a, mat2=b)", "torch.mm(a, b)"),
    ("torch.pow(a, exponent=3)", "torch.pow(a, 3)"),
    ("torch.add(input=a, other=b)", "torch.add(a, b)"),
    ("torch.where(condition=a > 0, input=a, other=b)", "torch.where(a > 0, a, b)"),
    ("torch.dot(input=v, tensor=v)", "torch.dot(v, v)"),
    ("torch.outer(input=v, vec2=v)", "torch.outer(v, v)"),
    ("torch.sum(input=a, dim=1)", "torch.sum(a, 1)"),
    ("torch.exp(input=a)", "torch.exp(a)"),
    ("torch.clamp(input=a, min=0.5)", "torch.clamp(a, 0.5)"),
    ("torch.transpose(input=a, dim0=0, dim1=1)", "torch.transpose(a, 0, 1)"),
    ("torch.maximum(input=a, other=b)", "torch.maximum(a, b)"),
    ("a.add(other=b)", "a.add(b)"),
    ("a.mul(other=b)", "a.mul(b)"),
    ("a.matmul(other=b)", "a.matmul(b)"),
    ("a.pow(exponent=2)", "a.pow(2)"),
    ("torch.sub(a, other=b)", "a - b"),
    ("torch.mul(input=a, other=2.0)", "a * 2.0"),
    ("torch.divide(a, b)", "a / b"),
    ("torch.lt(input=a, other=b)", "a < b"),
    ("torch.neg(input=a)", "-a"),
]


def run(src):
    s = Session(Options())
    s.run(SETUP + src, "t.gx")
    return s.variables


@pytest.mark.parametrize("kw_form,pos_form", PAIRS)
def test_keyword_call_is_the_positional_call(kw_form, pos_form):
    v = run(f"r = {kw_form}\nq = {pos_form}\n(r.sum() + (a * 0).sum()).backward()\n"
            f"g = a.grad.clone()\na.grad = None\n(q.sum() + (a * 0).sum()).backward()\n")
    r, q = v["r"], v["q"]
    assert np.array_equal(np.asarray(r.tolist()), np.asarray(q.tolist()))
    assert str(r.grad_fn) == str(q.grad_fn)
    assert v["g"].tolist() == v["a"].grad.tolist()


@pytest.mark.parametrize("src,message", [
    ("torch.matmul(a, inpt=b)", "unexpected keyword argument 'inpt'"),     # a typo stays one
    ("torch.matmul(a, input=b)", "input"),                                # given twice
    ("torch.exp(input=a, other=b)", "unexpected keyword"),                # more than it takes
    ("a.add(input=b)", "input"),                                          # a method's input is a
])
def test_keyword_errors_stay_errors(src, message):
    with pytest.raises(GxError) as e:
        run(f"r = {src}\n")
    assert message in str(e.value)


def _torch_positional_names(torch, name):
    first = (getattr(torch, name).__doc__ or "").strip().splitlines()[0]
    m = re.match(rf"{name}\((.*?)\)", first)
    params = []
    for p in m.group(1).split(","):
        p = p.strip()
        if p in ("*", "") or p.startswith("*"):
            break
        params.append(re.split(r"[:=]", p)[0].strip())
    return tuple(params)


@pytest.mark.parametrize("name", sorted(SIGNATURES) + ["matmul", "add", "maximum", "atan2",
                                                       "hypot", "xlogy", "exp", "tanh"])
def test_names_are_pytorchs(name):
    torch = pytest.importorskip("torch")
    if name in ("squeeze",):
        pytest.skip("torch documents squeeze with an annotated signature of overloads")
    if not getattr(torch, name).__doc__:
        pytest.skip(f"torch.{name} has no docstring to read its signature from")
    names = _torch_positional_names(torch, name)
    ours = SIGNATURES.get(name, DEFAULT)
    n = min(len(ours), len(names))
    assert names[:n] == ours[:n], (name, names, ours)


def test_keyword_forms_run_in_torch():
    torch = pytest.importorskip("torch")
    f64 = torch.float64
    env = {"torch": torch,
           "a": torch.tensor([[1.0, -2.0], [3.0, 4.0]], dtype=f64, requires_grad=True),
           "b": torch.tensor([[0.5, 2.0], [-1.0, 0.25]], dtype=f64),
           "v": torch.tensor([1.0, 2.0], dtype=f64)}
    for kw_form, _ in PAIRS:
        got = eval(kw_form, env)                                  # torch accepts the names
        ours = run(f"r = {kw_form}\n")["r"]
        assert np.array_equal(got.detach().numpy(), np.asarray(ours.tolist())), kw_form


# ---------------------------------------------------------------- out=

def run_out(src, warnings=None):
    s = Session(Options(), on_warning=(warnings.append if warnings is not None else None))
    s.run("import torch\n" + src, "t.gx")
    return s.variables


def test_out_writes_into_the_given_tensor_and_returns_it():
    v = run_out("t = torch.ones(2, 2)\ny3 = torch.zeros(2, 2)\nr = torch.matmul(t, t.T, out=y3)\n"
                "same = r is y3\n")
    assert v["y3"].tolist() == [[2.0, 2.0], [2.0, 2.0]] and v["same"] is True
    assert v["y3"]._version == 1                     # written in place, as torch's out=


def test_out_of_another_shape_is_resized_with_pytorchs_warning():
    seen = []
    v = run_out("z = torch.zeros(3)\ntorch.mul(torch.ones(2), 2, out=z)\ne = torch.zeros(0)\n"
                "torch.mul(torch.ones(2), 3, out=e)\n", seen)
    assert v["z"].tolist() == [2.0, 2.0] and v["e"].tolist() == [3.0, 3.0]
    assert len(seen) == 1 and "was resized since it had shape [3]" in seen[0].message


@pytest.mark.parametrize("src,message", [
    ("a = torch.ones(2, requires_grad=True)\ntorch.exp(a, out=torch.zeros(2))\n",
     "exp(): functions with out=... arguments don't support automatic differentiation, "
     "but one of the arguments requires grad."),
    ("torch.mul(torch.ones(2), 2.5, out=torch.zeros(2, dtype=torch.long))\n",
     "result type Double can't be cast to the desired output type Long"),   # float64 default
    ("torch.add(torch.ones(2, dtype=torch.long), 1, out=torch.zeros(2, dtype=torch.bool))\n",
     "result type Long can't be cast to the desired output type Bool"),
    ("torch.exp(torch.ones(2), out=[0.0, 0.0])\n", "argument 'out' must be Tensor"),
    ("a = torch.ones(2)\na.exp(out=torch.zeros(2))\n", "unexpected keyword argument 'out'"),
])
def test_out_errors_are_pytorchs(src, message):
    with pytest.raises(GxError) as e:
        run_out(src)
    assert message in str(e.value)


def test_out_under_no_grad_is_allowed():
    v = run_out("a = torch.ones(2, requires_grad=True)\no = torch.zeros(2)\n"
                "with torch.no_grad():\n    torch.mul(a, 3, out=o)\n")
    assert v["o"].tolist() == [3.0, 3.0] and not v["o"].requires_grad
