"""all/any: PyTorch's on tensors (bool tensors, dim=, keepdim=, methods and torch.all /
torch.any), Python's on lists. Expected values are worked out by hand from the data."""
import pytest

from gradcli.lang.errors import GxError
from gradcli.session import Options, Session

SETUP = "import torch\na = torch.tensor([[1.0, 0.0], [3.0, 4.0]])\n"


def value(expr):
    s = Session(Options())
    s.run(SETUP + f"r = {expr}\n", "t.gx")
    r = s.variables["r"]
    return (r.tolist(), str(r.dtype)) if hasattr(r, "dtype") else r


@pytest.mark.parametrize("expr,want", [
    ("a.all()", (False, "bool")),                   # a[0, 1] is 0
    ("a.any()", (True, "bool")),
    ("(a == 0).all(dim=0)", ([False, False], "bool")),
    ("(a >= 0).all(dim=0)", ([True, True], "bool")),
    ("a.all(dim=1)", ([False, True], "bool")),
    ("a.any(1, keepdim=True)", ([[True], [True]], "bool")),
    ("torch.all(a > -1)", (True, "bool")),
    ("torch.any(a > 10)", (False, "bool")),
    ("torch.any(a, dim=-1)", ([True, True], "bool")),
    ("all([1, 2, 0])", False),
    ("any([0, 0, 1])", True),
    ("all([])", True),
    ("any(())", False),
])
def test_truth(expr, want):
    assert value(expr) == want


def test_dim_out_of_range_is_an_error():
    with pytest.raises(GxError):
        value("a.all(dim=2)")


def test_against_torch():
    torch = pytest.importorskip("torch")
    a = torch.tensor([[1.0, 0.0], [3.0, 4.0]], dtype=torch.float64)
    for expr in ("a.all()", "a.any()", "(a == 0).all(dim=0)", "a.all(dim=1)",
                 "a.any(1, keepdim=True)", "torch.any(a, dim=-1)"):
        want = eval(expr, {"torch": torch, "a": a})
        assert value(expr) == (want.tolist(), str(want.dtype).replace("torch.", "")), expr
