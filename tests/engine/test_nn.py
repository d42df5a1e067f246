"""torch.nn modules: structure, names and reprs by PyTorch's rules; initialisation and forward
passes against PyTorch 2.13 (when installed)."""
import math

import numpy as np
import pytest

from gradcli.engine import manual_seed, tensor
from gradcli.engine.errors import EngineTypeError, EngineValueError
from gradcli.engine import nn


def test_linear_shapes_names_and_init_bounds():
    manual_seed(0)
    lin = nn.Linear(4, 3)
    assert lin.weight.shape == (3, 4) and lin.bias.shape == (3,)
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    assert all(p.requires_grad and p.is_leaf for p in lin.parameters())
    # Kaiming-uniform with a = sqrt(5): every weight and bias within 1/sqrt(fan_in)
    bound = 1 / math.sqrt(4)
    assert np.all(np.abs(lin.weight._data) <= bound) and np.all(np.abs(lin.bias._data) <= bound)
    assert repr(lin) == "Linear(in_features=4, out_features=3, bias=True)"
    assert nn.Linear(2, 2, bias=False).bias is None


def test_sequential_names_repr_and_indexing():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.Sigmoid())
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(model) == 4 and isinstance(model[1], nn.ReLU)
    assert repr(model) == ("Sequential(\n"
                           "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
                           "  (1): ReLU()\n"
                           "  (2): Linear(in_features=3, out_features=1, bias=True)\n"
                           "  (3): Sigmoid()\n)")
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


def test_forward_is_x_wt_plus_b_and_backward_reaches_parameters():
    lin = nn.Linear(2, 2)
    x = tensor([[1.0, 2.0], [3.0, -1.0]])
    w, b = lin.weight._data, lin.bias._data
    y = lin(x)
    np.testing.assert_allclose(y._data, x._data @ w.T + b, rtol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(lin.weight.grad._data, np.ones((2, 2)).T @ x._data)   # dL/dW = g^T x
    np.testing.assert_allclose(lin.bias.grad._data, [2.0, 2.0])
    lin.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None


def test_shared_module_counts_its_parameters_once():
    lin = nn.Linear(2, 2)
    model = nn.Sequential(lin, nn.Tanh(), lin)
    assert len(model.parameters()) == 2


@pytest.mark.parametrize("make,err", [
    (lambda: nn.Linear(-1, 2), EngineValueError),
    (lambda: nn.Linear(2.5, 2), EngineValueError),
    (lambda: nn.Linear(2, 2, device="cuda"), EngineValueError),
    (lambda: nn.Sequential(nn.ReLU(), 3), EngineTypeError),
    (lambda: nn.MSELoss(reduction="avg"), EngineValueError),
    (lambda: nn.ReLU(1, 2), EngineTypeError),
    (lambda: nn.MSELoss(size=3), EngineTypeError),
])
def test_bad_arguments_are_clear_errors(make, err):
    with pytest.raises(err):
        make()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_initialisation_and_forward_match_torch(dtype):
    torch = pytest.importorskip("torch")
    tdt = getattr(torch, dtype)
    torch.manual_seed(3)
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 5, dtype=tdt), torch.nn.Tanh(),
                                 torch.nn.Linear(5, 2, dtype=tdt))
    manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 5, dtype=dtype), nn.Tanh(), nn.Linear(5, 2, dtype=dtype))
    for (tn, tp), (n, p) in zip(tmodel.named_parameters(), model.named_parameters()):
        assert tn == n
        np.testing.assert_array_equal(p._data, tp.detach().numpy())
    x = np.linspace(-1, 1, 12).reshape(4, 3).astype(dtype)
    # the same parameters; the matmul's summation order is BLAS's on both sides
    tol = 1e-6 if dtype == "float32" else 1e-14
    np.testing.assert_allclose(model(tensor(x))._data, tmodel(torch.tensor(x)).detach().numpy(),
                               rtol=tol, atol=tol)


@pytest.mark.parametrize("name,kwargs,target", [
    ("MSELoss", {}, "float"), ("L1Loss", {"reduction": "sum"}, "float"),
    ("SmoothL1Loss", {"beta": 0.5}, "float"), ("HuberLoss", {"delta": 0.7}, "float"),
    ("BCEWithLogitsLoss", {}, "prob"), ("BCELoss", {}, "prob"),
    ("CrossEntropyLoss", {}, "class"), ("CrossEntropyLoss", {"label_smoothing": 0.1}, "class"),
    ("NLLLoss", {"reduction": "none"}, "class"),
])
def test_loss_modules_match_torch(name, kwargs, target):
    torch = pytest.importorskip("torch")
    inp = np.array([[0.2, -1.0, 0.5], [1.5, 0.3, -0.2]])
    if name == "BCELoss":
        inp = 1 / (1 + np.exp(-inp))
    if name == "NLLLoss":
        inp = inp - np.log(np.exp(inp).sum(1, keepdims=True))
    tgt = {"float": np.array([[0.0, -0.5, 1.0], [1.0, 1.0, 0.0]]),
           "prob": np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.25]]),
           "class": np.array([2, 0])}[target]
    x = tensor(inp, requires_grad=True)
    loss = getattr(nn, name)(**kwargs)(x, tensor(tgt))
    loss.sum().backward()
    tx = torch.tensor(inp, requires_grad=True)
    tloss = getattr(torch.nn, name)(**kwargs)(tx, torch.tensor(tgt))
    tloss.sum().backward()
    np.testing.assert_allclose(loss._data, tloss.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(x.grad._data, tx.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert repr(getattr(nn, name)()) == repr(getattr(torch.nn, name)())
