"""gradcli diff: formulas through SymPy, checked against derivatives written by hand
(SymPy only proves the difference is zero), against PyTorch's autograd (an
independent oracle, when installed), and against gradcli's own autograd."""
import json
import math

import pytest
from click.testing import CliRunner

sp = pytest.importorskip("sympy")

from gradcli.cli import cli  # noqa: E402
from gradcli.explain import formula as F  # noqa: E402


def d(expr, values, wrt=None, order=1):
    tr = F.translate(expr, values, wrt)
    return tr, dict(F.partials(tr, order))


@pytest.mark.parametrize("expr,by_hand", [
    ("x**2*sin(x)", "2*x*sin(x) + x**2*cos(x)"),
    ("exp(x*y) / (1 + y)", "y*exp(x*y)/(1 + y)"),
    ("sqrt(x) - log(x) * tanh(x)", "1/(2*sqrt(x)) - tanh(x)/x - log(x)*(1 - tanh(x)**2)"),
    ("sigmoid(x)", "exp(-x)/(1 + exp(-x))**2"),
    ("x ** y", "y*x**(y - 1)"),
    ("softplus(x) + log1p(x) + expm1(x)", "1/(1 + exp(-x)) + 1/(1 + x) + exp(x)"),
])
def test_formula_equals_the_derivative_by_hand(expr, by_hand):
    tr, parts = d(expr, {}, ["x"])
    x = tr.symbols["x"]
    want = sp.sympify(by_hand, locals={"x": x, "y": tr.symbols.get("y", sp.Symbol("y"))})
    diff = parts[("x",)] - want
    # zero as a function: SymPy's simplify, or at 30 digits at several points
    if sp.simplify(diff) != 0:
        for px in (0.3, 0.7, 1.9):
            at = {x: sp.Rational(str(px))}
            if "y" in tr.symbols:
                at[tr.symbols["y"]] = sp.Rational("0.45")
            assert abs(diff.subs(at).evalf(30)) < 1e-25


def test_hessian_entries_and_third_order_labels():
    tr, parts = d("x**3*y + y**2", {}, order=2)
    x, y = tr.symbols["x"], tr.symbols["y"]
    assert parts == {("x", "x"): 6 * x * y, ("x", "y"): 3 * x ** 2, ("y", "y"): 2}
    assert F.label(("x", "x", "y"), 3) == "d3f/dx2dy" and F.label(("x", "y"), 2) == "d2f/dxdy"


def test_vectors_sum_prod_and_indexing():
    tr, parts = d("prod(w) + sum(w * w) + w[0]", {"w": [1.0, 2.0, 3.0]})
    w0, w1, w2 = tr.symbols["w"]
    assert parts[("w[0]",)] == w1 * w2 + 2 * w0 + 1
    assert parts[("w[2]",)] == w0 * w1 + 2 * w2


# (function, point, PyTorch's function) for LANGUAGE.md's elementwise list
ELEMENTWISE = [
    ("exp", 0.3, "exp"), ("log", 0.3, "log"), ("log1p", 0.3, "log1p"), ("expm1", 0.3, "expm1"),
    ("sqrt", 0.3, "sqrt"), ("abs", -0.3, "abs"), ("sign", 0.3, "sign"), ("sin", 0.3, "sin"),
    ("cos", 0.3, "cos"), ("tan", 0.3, "tan"), ("asin", 0.3, "asin"), ("acos", 0.3, "acos"),
    ("atan", 0.3, "atan"), ("sinh", 0.3, "sinh"), ("cosh", 0.3, "cosh"), ("tanh", 0.3, "tanh"),
    ("sigmoid", 0.3, "sigmoid"), ("relu", 0.3, "relu"), ("relu", -0.3, "relu"),
    ("softplus", 0.3, "nn.functional.softplus"), ("log2", 0.3, "log2"), ("log10", 0.3, "log10"),
    ("exp2", 0.3, "exp2"), ("erf", 0.3, "erf"), ("erfc", 0.3, "erfc"), ("erfinv", 0.3, "erfinv"),
    ("asinh", 0.3, "asinh"), ("acosh", 1.3, "acosh"), ("atanh", 0.3, "atanh"),
    ("floor", 0.3, "floor"), ("ceil", 0.3, "ceil"), ("trunc", 0.3, "trunc"),
    ("round", 0.3, "round"), ("frac", 1.3, "frac"), ("square", 0.3, "square"),
    ("reciprocal", 0.3, "reciprocal"), ("rsqrt", 0.3, "rsqrt"), ("sinc", 0.3, "sinc"),
    ("logsigmoid", 0.3, "nn.functional.logsigmoid"),
]


def _torch_fn(torch, path):
    obj = torch
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("name,at,torch_name", ELEMENTWISE)
def test_every_elementwise_function_against_pytorch(name, at, torch_name):
    torch = pytest.importorskip("torch")
    tr, parts = d(f"{name}(x)", {"x": at})
    subs = F.substitutions(tr, {"x": at})
    x = torch.tensor(at, dtype=torch.float64, requires_grad=True)
    y = _torch_fn(torch, torch_name)(x)
    g, = torch.autograd.grad(y, x, create_graph=True)
    gg, = torch.autograd.grad(g, x, allow_unused=True) if g.requires_grad else (None,)
    assert F.evaluate(tr.expr, subs) == pytest.approx(y.item(), rel=1e-12, abs=1e-15)
    assert F.evaluate(parts[("x",)], subs) == pytest.approx(g.item(), rel=1e-10, abs=1e-15)
    second = F.evaluate(F.derivative(tr.expr, [tr.symbols["x"]] * 2), subs)
    assert second == pytest.approx(0.0 if gg is None else gg.item(), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("expr,torch_expr", [
    ("clamp(x, 0, 1) * maximum(x, y) + minimum(x, y)",
     lambda t, x, y: t.clamp(x, 0, 1) * t.maximum(x, y) + t.minimum(x, y)),
    ("atan2(x, y) + hypot(x, y) + xlogy(x, y)",
     lambda t, x, y: t.atan2(x, y) + t.hypot(x, y) + t.xlogy(x, y)),
    ("pow(x, y) + lerp(x, y, 0.25) + where(x > y, x * y, x + y)",
     lambda t, x, y: t.pow(x, y) + t.lerp(x, y, 0.25) + t.where(x > y, x * y, x + y)),
])
def test_two_argument_functions_against_pytorch(expr, torch_expr):
    torch = pytest.importorskip("torch")
    values = {"x": 0.6, "y": 0.45}
    tr, parts = d(expr, values)
    subs = F.substitutions(tr, values)
    x, y = (torch.tensor(values[n], dtype=torch.float64, requires_grad=True) for n in "xy")
    gx, gy = torch.autograd.grad(torch_expr(torch, x, y), [x, y])
    assert F.evaluate(parts[("x",)], subs) == pytest.approx(gx.item(), rel=1e-10)
    assert F.evaluate(parts[("y",)], subs) == pytest.approx(gy.item(), rel=1e-10)


@pytest.mark.parametrize("expr,what", [
    ("x @ x", "matrix products"),
    ("x if x > 0 else -x", "data-dependent branch"),
    ("m * 2", "'m' is a matrix"),
    ("foo(x)", "'foo' has no formula"),
])
def test_what_stops_the_formula_is_named(expr, what):
    r = CliRunner().invoke(cli, ["diff", expr, "x=1", "m=[[1,2],[3,4]]", "--format", "plain"])
    assert r.exit_code == 1
    assert what in r.output and "Traceback" not in r.output


def test_cli_diff_agrees_with_autograd_and_json():
    r = CliRunner().invoke(cli, ["diff", "x**2*sin(x)", "x=1.5", "--format", "plain"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[1].startswith("df/dx = x*(x*cos(x) + 2*sin(x))")
    assert r.output.splitlines()[1].endswith("agree")
    r = CliRunner().invoke(cli, ["diff", "x*y**2", "x=2", "y=3", "--order", "2", "--latex",
                                 "--format", "json"])
    obj = json.loads(r.output)
    rows = {row["label"]: row for row in obj["derivatives"]}
    assert set(rows) == {"d2f/dx2", "d2f/dxdy", "d2f/dy2"}
    assert rows["d2f/dy2"]["latex"] == "2 x" and rows["d2f/dy2"]["value"] == 4.0
    assert all(row["agree"] for row in rows.values())


def test_series_is_the_taylor_polynomial():
    tr = F.translate("exp(x)", {})
    poly = F.series(tr, "x", None, 4)
    x = tr.symbols["x"]
    assert sp.expand(poly - sum(x ** k / math.factorial(k) for k in range(5))) == 0
    r = CliRunner().invoke(cli, ["diff", "sin(x)", "--series", "--order", "5", "--format", "json"])
    assert json.loads(r.output)["series"] == "x**5/120 - x**3/6 + x"
