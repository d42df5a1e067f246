"""In-place semantics in .gx scripts (LANGUAGE.md, issue 8 item 1): augmented assignment
on a tensor is in place, index and attribute targets, the tutorial's manual update loop.

Expected numbers of the loop come from the same code run by PyTorch 2.13.0 (float64
default dtype) in the oracle venv; test_loop_against_torch re-runs it when torch is
importable.
"""
import pytest

from gradcli.lang.errors import GxError
from gradcli.session import Options, Session

LOOP = """import torch
x = torch.linspace(-3.141592653589793, 3.141592653589793, 200)
y = torch.sin(x)
a = torch.tensor(0.5, requires_grad=True)
b = torch.tensor(-0.25, requires_grad=True)
for t in range(300):
    loss = (a + b * x - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        a -= 1e-4 * a.grad
        b -= 1e-4 * b.grad
        {reset}
"""
RESETS = {"none": "a.grad = None\n        b.grad = None",
          "zero_": "a.grad.zero_()\n        b.grad.zero_()"}
# torch 2.13.0, float64: [a, b, last loss], the same for both variants
TORCH_LOOP = [2.40071118688965e-06, 0.29940946675734276, 39.92246603628897]


def run(src, **variables):
    s = Session(Options(variables=variables))
    s.run(src, "t.gx")
    return s.variables


def error_of(src):
    with pytest.raises(GxError) as ei:
        run(src)
    return ei.value


@pytest.mark.parametrize("reset", sorted(RESETS))
def test_tutorial_loop(reset):
    v = run(LOOP.format(reset=RESETS[reset]))
    got = [v["a"].item(), v["b"].item(), v["loss"].item()]
    assert got == pytest.approx(TORCH_LOOP, rel=1e-12, abs=1e-15)
    assert v["a"].is_leaf and v["a"].requires_grad


@pytest.mark.parametrize("reset", sorted(RESETS))
def test_loop_against_torch(reset):
    torch = pytest.importorskip("torch")
    ns = {"torch": torch}
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        exec(LOOP.format(reset=RESETS[reset]), ns)
    finally:
        torch.set_default_dtype(old)
    v = run(LOOP.format(reset=RESETS[reset]))
    for k in ("a", "b", "loss"):
        assert v[k].item() == pytest.approx(ns[k].item(), rel=1e-12, abs=1e-15)


def test_augmented_assignment_changes_the_object_every_name_sees():
    v = run("w = tensor([1., 2.], requires_grad=True)\nalias = w\n(w * w).sum().backward()\n"
            "with no_grad():\n    w -= 0.5 * w.grad\n    w *= 2\n    w /= 4\n    w += 1\n"
            "    w **= 2\nr = [alias is w, alias.tolist(), w.grad.tolist(), w.is_leaf]\n")
    # w - 0.5 * 2w = 0, then ((0 * 2) / 4 + 1) ** 2 = 1
    assert v["r"] == [True, [1.0, 1.0], [2.0, 4.0], True]


def test_integer_augmented_assignment_in_place():
    v = run("n = tensor([7, 8])\nm = n\nn //= 2\nn %= 3\nr = m.tolist()\n")
    assert v["r"] == [0, 1]


def test_index_targets_on_any_tensor():
    v = run("x = tensor([1., 2., 3., 4.], requires_grad=True)\ny = x * 1\n"
            "y[0] = 5\ny[1:] *= 2\ny[y > 7] = 0\nz = zeros(4)\nz[1:3] = x[:2]\n"
            "(y * y + z * x).sum().backward()\n"
            "r = [y.tolist(), z.tolist(), x.grad.tolist(), y.grad_fn.name, z.grad_fn.name]\n")
    y, z, g, ny, nz = v["r"]
    assert y == [5.0, 4.0, 6.0, 0.0] and z == [0.0, 1.0, 2.0, 0.0]
    # y = (5, 2 x1, 2 x2, 0): d(y.y)/dx = (0, 8 x1, 8 x2, 0); z.x = x0 x1 + x1 x2
    assert g == [2.0, 16.0 + 1.0 + 3.0, 24.0 + 2.0, 0.0]
    assert (ny, nz) == ("IndexPutBackward0", "CopySlices")


def test_attribute_targets():
    v = run("w = tensor([1., 2.], requires_grad=True)\n(w * w).sum().backward()\n"
            "w.grad = None\nw.data = tensor([3., 4.])\nw.data[0] = 10\nw.data -= 1\n"
            "(w * 1).sum().backward()\nr = [w.tolist(), w.grad.tolist(), w.requires_grad]\n")
    assert v["r"] == [[9.0, 3.0], [1.0, 1.0], True]


def test_inplace_on_a_leaf_outside_no_grad_names_the_operator():
    e = error_of("w = tensor([1., 2.], requires_grad=True)\nw -= 1\n")
    assert (e.kind, e.line, e.col) == ("RuntimeError", 2, 3)
    assert e.message == "a leaf Variable that requires grad is being used in an in-place operation."


def test_inplace_method_on_a_leaf_and_index_target_on_a_leaf():
    e = error_of("w = tensor([1., 2.], requires_grad=True)\nw.add_(1)\n")
    assert (e.kind, e.line) == ("RuntimeError", 2) and "leaf Variable" in e.message
    e = error_of("w = tensor([1., 2.], requires_grad=True)\nw[0] = 1\n")
    assert e.message.startswith("a view of a leaf Variable that requires grad")


def test_int_tensor_true_division_in_place_is_refused():
    e = error_of("n = tensor([1, 2])\nn /= 2\n")
    assert e.kind == "RuntimeError" and "can't be cast to the desired output type Long" in e.message


def test_inplace_methods_are_allowlisted():
    v = run("y = tensor([0.25, 1.0])\nfor m in [y.exp_, y.log_, y.sqrt_, y.neg_, y.abs_, y.relu_]:\n"
            "    m()\ny.clamp_(0, 0.9).mul_(2).add_(1, alpha=2).zero_().fill_(3).copy_(tensor([1., 2.]))\n"
            "r = y.tolist()\n")
    assert v["r"] == [1.0, 2.0]
