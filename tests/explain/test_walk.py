"""The step-by-step backward pass (``grad --explain``): every number is the engine's.

Expected values come from calculus written out here (math module), and every local
derivative in a trace is re-derived by central finite differences of the node's own
source text with its inputs replaced by free variables."""
import json
import math

import pytest
from click.testing import CliRunner

from gradcli.cli import cli
from gradcli.engine import Variable, context, grad, sin
from gradcli.engine.context import STATE
from gradcli.engine.recorder import Recorder
from gradcli.explain.walk import explain_expr
from gradcli.render.explain import lines
from gradcli.session import Options, Session


def explained(expr, **values):
    return explain_expr(Session(Options()), expr, values)[1]


def test_last_line_is_the_sum_that_makes_grad():
    x = 1.5
    pow_share = 2 * x * math.sin(x)        # d/dx (x**2) * sin(x)
    sin_share = x ** 2 * math.cos(x)       # x**2 * d/dx sin(x)
    text = lines(explained("x**2*sin(x)", x=x))
    # the engine's real order: sin(x) was made last, so its branch runs first (as PyTorch)
    assert text[-1] == (f"  x.grad = {sin_share:.6f} + {pow_share:.6f} = "
                        f"{sin_share + pow_share:.6f}")
    assert "d/da (a*b) = b = 0.997495" in "\n".join(text)


def test_forward_nodes_carry_source_position_and_value():
    ev = explained("x**2*sin(x)", x=1.5)
    fwd = [e for e in ev if e["event"] == "forward"]
    assert [(e["op"], e["source"], e["line"], e["col"]) for e in fwd] == [
        ("PowBackward0", "x**2", 1, 1), ("SinBackward0", "sin(x)", 1, 6),
        ("MulBackward0", "x**2*sin(x)", 1, 1)]
    assert [e["value"] for e in fwd] == pytest.approx([2.25, math.sin(1.5), 2.25 * math.sin(1.5)])


def _eval(text, env):
    ok, v = Session(Options(variables=dict(env))).exec_interactive(text, filename="<fd>")
    return float(v.item()) if hasattr(v, "item") else float(v)


def fd_local(ev, values, h=1e-6):
    """[(engine's local, finite difference)] for every one-element local derivative."""
    fwd = {e["id"]: e for e in ev if e["event"] == "forward"}
    leaf = {e["id"]: e["value"] for e in ev if e["event"] == "leaf"}
    pairs = []
    for b in (e for e in ev if e["event"] == "backward"):
        node = fwd[b["id"]]
        src, c0 = node["source"], node["col"]
        env, text, shift = dict(values), src, 0
        inputs = [i for i in node["inputs"] if i is not None]
        if sum((f["col"], f["source"]) == (c0, src) for f in fwd.values()) > 1:
            continue    # one source text made two nodes (2 / y is 2 * reciprocal(y))
        for k, inp in enumerate(inputs):
            if inp in fwd:
                f = fwd[inp]
                start = f["col"] - c0 + shift
                text = text[:start] + f"(aa{k})" + text[start + len(f["source"]):]
                shift += len(f"(aa{k})") - len(f["source"])
                env[f"aa{k}"] = f["value"]
        for k, (inp, send) in enumerate(zip(inputs, b["sends"])):
            if send["local"] is None:
                continue
            var = f"aa{k}" if inp in fwd else inp
            base = env[var] if inp in fwd else leaf[inp]
            up = _eval(text, {**env, var: base + h})
            down = _eval(text, {**env, var: base - h})
            pairs.append((send["local"], (up - down) / (2 * h)))
    return pairs


@pytest.mark.parametrize("expr,values", [
    ("x**2*sin(x)", {"x": 1.5}),
    ("exp(x*y) / (1 + y)", {"x": 0.3, "y": 0.7}),
    ("sqrt(x) - log(y) * tanh(x)", {"x": 2.0, "y": 3.0}),
    ("x ** y + sigmoid(x) - atan(y) / x", {"x": 1.2, "y": 0.4}),
    ("cos(x) * (x - y) + 2 / y", {"x": -0.5, "y": 1.5}),
])
def test_every_local_derivative_matches_finite_differences(expr, values):
    pairs = fd_local(explained(expr, **values), values)
    assert len(pairs) >= 3
    for engine_value, numeric in pairs:
        assert engine_value == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_sends_are_grad_times_local_and_leaves_sum_them():
    ev = explained("exp(x*y) / (1 + y)", x=0.3, y=0.7)
    for b in (e for e in ev if e["event"] == "backward"):
        for s in b["sends"]:
            assert s["value"] == pytest.approx(b["grad"] * s["local"], rel=1e-12)
    acc = {e["id"]: e for e in ev if e["event"] == "accumulate"}
    x, y = 0.3, 0.7
    assert acc["x"]["grad"] == pytest.approx(y * math.exp(x * y) / (1 + y))
    dy = x * math.exp(x * y) / (1 + y) - math.exp(x * y) / (1 + y) ** 2
    assert sum(acc["y"]["terms"]) == pytest.approx(acc["y"]["grad"]) == pytest.approx(dy)
    assert len(acc["y"]["terms"]) == 2


def test_tensors_show_shape_and_summary():
    ev = explained("sum(exp(w) * 2)", w=[float(i) / 10 for i in range(10)])
    text = "\n".join(lines(ev))
    assert "tensor shape (10,)" in text
    assert "w.grad = tensor shape (10,) min 2 max " in text


def test_recorded_only_when_asked():
    calls = []

    class Spy(Recorder):
        def forward(self, node, out):
            calls.append(node)

    x = Variable(1.5, requires_grad=True)
    with context.trace_mode(Spy()):
        x * sin(x)
    n = len(calls)
    assert n == 2
    z = x * sin(x)                   # outside the scope: nothing is recorded
    grad(z, [x])
    assert len(calls) == n and STATE.get().trace is None
    s = Session(Options())
    explain_expr(s, "x*x", {"x": 2.0})
    assert s._ctx.run(lambda: STATE.get().trace) is None    # switched off again


def test_cli_explain_text_and_json():
    r = CliRunner().invoke(cli, ["grad", "x**2*sin(x)", "x=1.5", "--explain", "--format", "plain"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[-1] == "  x.grad = 0.159159 + 2.992485 = 3.151644"
    r = CliRunner().invoke(cli, ["grad", "x*y", "x=2", "y=3", "--explain", "--format", "json"])
    objs = [json.loads(line) for line in r.output.splitlines()]
    assert objs[0]["grad"] == {"x": 3.0, "y": 2.0}
    assert [o["event"] for o in objs[1:]] == ["leaf", "leaf", "forward", "backward",
                                              "accumulate", "accumulate"]


def test_run_explain(tmp_path):
    p = tmp_path / "s.gx"
    p.write_text("x = tensor(2.0, requires_grad=True)\ny = x * x + 3 * x\n")
    r = CliRunner().invoke(cli, ["run", str(p), "--explain", "y", "--format", "plain"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[-1] == "  x.grad = 3 + 4 = 7"     # d/dx x*x + 3x = 2x + 3
    r = CliRunner().invoke(cli, ["run", str(p), "--explain", "nope"])
    assert r.exit_code == 1 and "no variable 'nope'" in r.output


@pytest.mark.parametrize("fmt", ["tree", "dot", "mermaid", "json"])
def test_graph_values_on_every_node(fmt, tmp_path):
    p = tmp_path / "s.gx"
    p.write_text("x = tensor(1.5, requires_grad=True)\ny = x ** 2 * sin(x)\ny.backward()\n")
    r = CliRunner().invoke(cli, ["graph", str(p), "--var", "y", "--values", "--format", fmt])
    assert r.exit_code == 0, r.output
    x = 1.5      # the gradient reaching each node, by the chain rule
    for text in (f"value {x * x * math.sin(x):.6f}, grad 1", f"value 2.25, grad {math.sin(x):.6f}",
                 f"value {math.sin(x):.6f}, grad 2.25",
                 f"value 1.5, grad {2 * x * math.sin(x) + x * x * math.cos(x):.6f}"):
        assert text in r.output
    if fmt == "json":
        nodes = json.loads(r.output)["nodes"]
        assert all("value" in n and "grad" in n for n in nodes)
        assert nodes[0]["where"].endswith("s.gx:2:12")
