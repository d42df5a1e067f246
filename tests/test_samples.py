"""The gallery in samples/ runs and prints exactly samples/expected/*.txt.

How each expected output was checked (not just captured):
  01  by hand: d(out)/dx = 6(x + 2)/4 = 4.5; |x| = 2.29 so y = 2^9 x and x.grad = 512 * weights
  02  against the forward-mode recursion dx'/da = dx/2 + 1/(2x) - a dx/(2x^2) (-> 1/(2 sqrt 2))
  03  first loss mean(y^2) = 67; every line identical to the same loop in PyTorch 2.13
  04  identical to the same network and loop in PyTorch 2.13
  05  first loss ln 3 (zero weights); identical to PyTorch 2.13
  06  the Hessian [[2 x1, 2 x0], [2 x0, -sin x1]] at (1, 2); gradient [4, 1 + cos 2]
  07  entropy of (1/2, 1/2, 0) = ln 2; gradient -(ln p + 1) = -0.3069 where p > 0
  08  run with --explain y: u = x**2 = 2.25, v = sin 1.5 = 0.997495; the product rule's
      terms x**2 cos x = 0.159159 and 2x sin x = 2.992485 sum to 3.151644 (by hand)
  09  the script itself, verbatim, run by PyTorch 2.13 (default dtype float64): identical;
      test_nn_sample_verbatim_in_torch re-runs it when torch is importable
  10  every line identical to the same script in PyTorch 2.13 (float64 default dtype)
With torch importable, test_against_torch re-runs 03-05 and 10 in PyTorch and compares.
"""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
NAMES = sorted(p.stem for p in SAMPLES.glob("[0-9]*.gx"))     # tour.gx belongs to the README


def run(name, *args):
    return subprocess.run([sys.executable, "-m", "gradcli", "run", f"samples/{name}.gx", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})


def test_gallery_is_complete():
    assert NAMES == ["01_seed_tutorial", "02_newton_sqrt", "03_gradient_descent_fit",
                     "04_mlp_xor", "05_softmax_regression", "06_hessian", "07_nan_hunt",
                     "08_chain_rule", "09_nn_sgd", "10_manual_sgd"]
    assert (SAMPLES / "04_mlp_xor.csv").exists()


@pytest.mark.parametrize("name", NAMES)
def test_sample_output(name):
    extra = ["--explain", "y"] if name == "08_chain_rule" else []     # a teaching trace
    r = run(name, "--allow-read", "samples/04_mlp_xor.csv", *extra)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (SAMPLES / "expected" / f"{name}.txt").read_text()
    if name != "07_nan_hunt":
        assert r.stderr == ""


def test_seed_tutorial_ends_with_ok():
    assert run("01_seed_tutorial").stdout.splitlines()[-1] == "OK"


def test_mlp_needs_allow_read():
    r = run("04_mlp_xor")
    assert r.returncode == 1 and "--allow-read" in r.stderr


def test_nan_hunt_warns_then_strict_stops_at_log():
    r = run("07_nan_hunt")
    assert r.stderr.startswith("samples/07_nan_hunt.gx:11:15: NumericWarning: 'log' produced -inf "
                               "at [2] (1 of 3 elements not finite): log(0) = -inf; with x = 0.0\n"
                               "    naive = -(p * log(p)).sum()\n"
                               "                  ^^^^^^\n")
    r = run("07_nan_hunt", "--strict")
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr == (SAMPLES / "expected" / "07_nan_hunt.strict.txt").read_text()


TORCH_03 = """
xs = torch.arange(5.); ys = 3 * xs + 1
w = torch.tensor(0., requires_grad=True); b = torch.tensor(0., requires_grad=True)
for step in range(201):
    loss = ((w * xs + b - ys) ** 2).mean()
    if step % 25 == 0: print("step", step, "loss", loss)
    loss.backward()
    w.data -= 0.05 * w.grad; b.data -= 0.05 * b.grad; w.grad.zero_(); b.grad.zero_()
print("w =", w); print("b =", b)
"""

TORCH_04 = """
import numpy as np
d = torch.tensor(np.loadtxt("samples/04_mlp_xor.csv", delimiter=","))
X = d[:, 0:2]; y = d[:, 2:3]
print("data", tuple(X.shape), "labels", y.flatten())
W1 = torch.tensor([[0.5, -0.5, 0.8, -0.3], [-0.4, 0.6, 0.7, -0.9]], requires_grad=True)
b1 = torch.tensor([0.1, -0.1, -0.2, 0.3], requires_grad=True)
W2 = torch.tensor([[0.7], [-0.6], [0.5], [0.4]], requires_grad=True)
b2 = torch.tensor([0.0], requires_grad=True)
f = lambda X: torch.sigmoid(torch.tanh(X @ W1 + b1) @ W2 + b2)
for e in range(1001):
    p = f(X); loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    if e % 200 == 0: print("epoch", e, "loss", round(loss.item(), 6))
    loss.backward()
    for w in (W1, b1, W2, b2): w.data -= 1.0 * w.grad; w.grad = None
p = f(X); print("predictions", p.flatten())
print("accuracy", ((p > 0.5).float() == y).float().mean())
"""

TORCH_05 = """
X = torch.tensor([[2.0, 0.0], [1.5, 0.5], [2.5, -0.5], [-1.0, 2.0], [-0.5, 1.5], [-1.5, 2.5],
                  [-1.0, -2.0], [-0.5, -1.5], [-1.5, -2.5]])
labels = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 2]); Y = torch.eye(3)[labels]
W = torch.zeros((2, 3), requires_grad=True); b = torch.zeros(3, requires_grad=True)
for e in range(101):
    loss = -(Y * torch.log_softmax(X @ W + b, dim=1)).sum(dim=1).mean()
    if e % 20 == 0: print("epoch", e, "loss", round(loss.item(), 6))
    loss.backward(); W.data -= 0.5 * W.grad; b.data -= 0.5 * b.grad; W.grad.zero_(); b.grad.zero_()
probs = torch.softmax(X @ W + b, dim=1)
print("probabilities of the first point", probs[0]); print("predicted", torch.argmax(probs, dim=1))
"""


# 10 is PyTorch code as it stands: the same text runs in PyTorch
TORCH_10 = (SAMPLES / "10_manual_sgd.gx").read_text()


@pytest.mark.parametrize("name,code", [("03_gradient_descent_fit", TORCH_03), ("04_mlp_xor", TORCH_04),
                                       ("05_softmax_regression", TORCH_05),
                                       ("10_manual_sgd", TORCH_10)])
def test_against_torch(name, code, monkeypatch, capsys):
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    monkeypatch.chdir(ROOT)
    exec(code, {"torch": torch})
    assert capsys.readouterr().out == (SAMPLES / "expected" / f"{name}.txt").read_text()


def test_nn_sample_verbatim_in_torch(capsys):
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        exec(compile((SAMPLES / "09_nn_sgd.gx").read_text(), "09_nn_sgd.gx", "exec"), {})
    finally:
        torch.set_default_dtype(old)
    assert capsys.readouterr().out == (SAMPLES / "expected" / "09_nn_sgd.txt").read_text()
