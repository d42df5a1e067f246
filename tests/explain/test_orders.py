"""Derivatives of any order and Taylor coefficients through nested autograd: against
calculus by hand and PyTorch's nested torch.autograd.grad (when installed)."""
import json
import math

import pytest
from click.testing import CliRunner

from gradcli.cli import cli


def invoke(*args):
    r = CliRunner().invoke(cli, list(args) + ["--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_taylor_of_exp_and_sin():
    assert invoke("taylor", "exp(x)", "x=0", "--order", "6")["coefficients"] == \
        pytest.approx([1 / math.factorial(k) for k in range(7)], rel=1e-14)
    a = 0.7       # sin's derivatives cycle: sin, cos, -sin, -cos
    cyc = [math.sin(a), math.cos(a), -math.sin(a), -math.cos(a)]
    got = invoke("taylor", "sin(x)", f"x={a}", "--order", "7")["coefficients"]
    assert got == pytest.approx([cyc[k % 4] / math.factorial(k) for k in range(8)], rel=1e-12)


def test_order_n_by_hand():
    x, y = 1.5, 0.5          # f = x**3*y + exp(x*y)
    obj = invoke("grad", "x**3*y + exp(x*y)", f"x={x}", f"y={y}", "--order", "3")
    e = math.exp(x * y)
    assert obj["derivatives"] == pytest.approx({
        "d3f/dx3": 6 * y + y ** 3 * e, "d3f/dx2dy": 6 * x + 2 * y * e + x * y * y * e,
        "d3f/dxdy2": 2 * x * e + x * x * y * e, "d3f/dy3": x ** 3 * e})


@pytest.mark.parametrize("expr,order", [("sin(x) * exp(y) + x**4 / y", 4),
                                        ("tanh(x * y) + sqrt(x)", 3)])
def test_order_n_against_pytorch(expr, order):
    torch = pytest.importorskip("torch")
    import itertools
    x0, y0 = 0.8, 1.3
    got = invoke("grad", expr, f"x={x0}", f"y={y0}", "--order", str(order))["derivatives"]
    x, y = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (x0, y0))
    env = {"sin": torch.sin, "exp": torch.exp, "tanh": torch.tanh, "sqrt": torch.sqrt,
           "x": x, "y": y}
    f = eval(expr, {}, env)
    for combo in itertools.combinations_with_replacement("xy", order):
        cur = f
        for n in combo:
            cur, = torch.autograd.grad(cur, env[n], create_graph=True)
        label = f"d{order}f/" + "".join(
            f"d{n}{len(list(g)) if len(combo) else ''}".replace(f"d{n}1", f"d{n}")
            for n, g in itertools.groupby(combo))
        assert got[label] == pytest.approx(cur.item(), rel=1e-10), label


def test_order_above_two_needs_scalars():
    r = CliRunner().invoke(cli, ["grad", "sum(w)", "w=[1,2]", "--order", "3"])
    assert r.exit_code == 1 and "not a scalar" in r.output
