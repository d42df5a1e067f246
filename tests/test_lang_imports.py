"""Imports bind only the compatibility namespaces; torch.device('cpu'), device= and the
dtype aliases. Expected values come from Python's math module and PyTorch's documented
aliases (torch.float is float32, torch.double float64, torch.long int64, torch.int int32)."""
import math

import pytest

from gradcli.lang.errors import GxError, GxSyntaxError
from gradcli.session import Options, Session


def run_gx(src):
    s = Session(Options())
    s.run(src, "t.gx")
    return s.variables


@pytest.mark.parametrize("src,use", [
    ("import torch.nn as nn\nimport torch.nn.functional as F\nimport torch.optim as optim\n",
     "r = (F.relu(tensor([-1.0, 2.0])).tolist(), nn.Linear(3, 2).weight.shape,\n"
     "     str(optim.SGD([tensor(1.0, requires_grad=True)], lr=0.1))[:3])\n"),
    ("from torch import nn, optim\nfrom torch.nn import functional as F\n",
     "r = (F.relu(tensor([-1.0, 2.0])).tolist(), nn.Linear(3, 2).weight.shape,\n"
     "     str(optim.SGD([tensor(1.0, requires_grad=True)], lr=0.1))[:3])\n"),
    ("import torch.nn\nimport torch.optim\nfrom torch.autograd import Variable\n",
     "r = (torch.nn.functional.relu(Variable(tensor([-1.0, 2.0]))).tolist(),\n"
     "     torch.nn.Linear(3, 2).weight.shape,\n"
     "     str(torch.optim.SGD([tensor(1.0, requires_grad=True)], lr=0.1))[:3])\n"),
])
def test_tutorial_import_spellings(src, use):
    # each spelling binds names that work: F.relu, nn.Linear's weight shape (out, in), optim.SGD
    assert run_gx(src + use)["r"] == ([0.0, 2.0], (2, 3), "SGD")


def test_autograd_functional_import_spellings():
    src = ("from torch.autograd import functional\nimport torch.autograd.functional as AF\n"
           "def f(x):\n    return (x * x).sum()\n"
           "r = (functional.vjp(f, tensor([1.0, 2.0]))[1].tolist(),\n"
           "     AF.vjp(f, tensor([3.0]))[1].tolist())\n")
    assert run_gx(src)["r"] == ([2.0, 4.0], [6.0])          # d/dx sum(x^2) = 2x


def test_math_functions_and_constants():
    v = run_gx("import math\nfrom math import sqrt, e\n"
               "r = (math.pi, math.sqrt(2.0), math.log(8, 2), math.exp(1.0), e, sqrt(9),"
               " math.atan2(1.0, 2.0), math.floor(2.5), math.inf)\n")
    assert v["r"] == (math.pi, math.sqrt(2.0), math.log(8, 2), math.exp(1.0), math.e, 3.0,
                      math.atan2(1.0, 2.0), 2, math.inf)


def test_dtype_aliases_and_device():
    v = run_gx("import torch\ndevice = torch.device('cpu')\ndtype = torch.float\n"
               "x = torch.linspace(0, 1, 3, device=device, dtype=dtype)\n"
               "y = torch.zeros(2, device='cpu', dtype=torch.double)\n"
               "w = torch.randn((), device=device, dtype=dtype, requires_grad=True)\n"
               "z = x.to(device).cpu().to(torch.float64)\n"
               "names = []\n"
               "for d in [torch.float, torch.double, torch.float32, torch.float64,"
               " torch.long, torch.int64, torch.int, torch.int32, torch.bool]:\n"
               "    names.append(str(d))\n"
               "r = (str(x.dtype), str(y.dtype), str(w.dtype), str(z.dtype), str(device))\n")
    assert v["r"] == ("torch.float32", "torch.float64", "torch.float32", "torch.float64", "cpu")
    assert v["names"] == ["torch.float32", "torch.float64", "torch.float32", "torch.float64",
                          "torch.int64", "torch.int64", "torch.int32", "torch.int32",
                          "torch.bool"]


@pytest.mark.parametrize("src,words", [
    ("import os\n", "import of 'os'"),
    ("import torch.nn.modules\n", "import of 'torch.nn.modules'"),
    ("from os import path\n", "import of 'os'"),
    ("import math as m\n", "import math as m"),
])
def test_other_imports_refused(src, words):
    with pytest.raises(GxSyntaxError) as info:
        run_gx(src)
    assert words in str(info.value) and info.value.exit_code == 2


@pytest.mark.parametrize("src", [
    "import torch\ntorch.ones(2, device='cuda')\n",
    "import torch\ntorch.device('cuda:0')\n",
    "import torch\ntorch.ones(2).to('mps')\n",
    "import torch\ntorch.zeros_like(torch.ones(1), device='meta')\n",
])
def test_other_devices_refused(src):
    with pytest.raises(GxError) as info:
        run_gx(src)
    assert "CPU only" in info.value.message


def test_nn_and_optim_values():
    # the numbers: PyTorch's Linear(2, 1) with weight w, bias b gives x @ w.T + b
    v = run_gx("import torch\nfrom torch import nn, optim\n"
               "model = nn.Sequential(nn.Linear(2, 1), nn.ReLU())\n"
               "lin = model[0]\n"
               "n = len(model)\n"
               "x = torch.tensor([[1.0, 2.0]])\n"
               "out = model(x)\n"
               "ref = torch.relu(x @ lin.weight.T + lin.bias)\n"
               "names = []\n"
               "for name, p in model.named_parameters():\n"
               "    names.append(name)\n"
               "count = 0\n"
               "for p in model.parameters():\n"
               "    count += 1\n"
               "opt = optim.SGD(model.parameters(), lr=0.1)\n"
               "text = str(model)\n")
    assert v["n"] == 2 and v["count"] == 2 and v["names"] == ["0.weight", "0.bias"]
    assert v["out"].tolist() == v["ref"].tolist()
    assert v["text"] == ("Sequential(\n  (0): Linear(in_features=2, out_features=1, bias=True)"
                         "\n  (1): ReLU()\n)")


@pytest.mark.parametrize("src,words", [
    ("m = nn.Linear(1, 1)\nm._params\n", "'_params'"),
    ("m = nn.Linear(1, 1)\nm.__dict__\n", "'__dict__'"),
    ("m = nn.Linear(1, 1)\nm.extra_repr()\n", "not available"),
    ("o = optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1)\no.hyper\n", "'hyper'"),
    ("m = nn.Linear(1, 1)\nm.weight = None\n", "weight"),
])
def test_nn_values_offer_only_their_attrs(src, words):
    with pytest.raises(GxError) as info:
        run_gx("from torch import nn, optim\n" + src)
    assert words in str(info.value)


def test_new_engine_ops_are_bound():
    v = run_gx("import torch\nimport math\nimport torch.nn.functional as F\na = torch.ones(2, 2)\n"
               "r = (torch.mm(a, a).tolist(), torch.einsum('ij,jk->ik', a, a).tolist(),"
               " torch.log2(a * 8).tolist(), a.exp2().tolist(), torch.e, math.e,"
               " F.mse_loss(a, a * 3).item())\n")
    assert v["r"] == ([[2.0, 2.0], [2.0, 2.0]], [[2.0, 2.0], [2.0, 2.0]],
                      [[3.0, 3.0], [3.0, 3.0]], [[2.0, 2.0], [2.0, 2.0]], math.e, math.e, 4.0)
