"""Every command and option through CliRunner, against the real Session.

Golden outputs are worked out by hand (the comments give the maths); tensors are
printed as PyTorch prints them (tests/test_printing.py checks that part).
"""
import json
import math

import pytest
from click.testing import CliRunner

from gradcli.cli import cli

SQUARES = """\
x = tensor([1.0, 2.0], requires_grad=True)
y = (x * x).sum()
y.backward()
print(y, x.grad)
"""
# y = 1 + 4 = 5, dy/dx = 2x = [2, 4]


@pytest.fixture
def runner(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    return CliRunner()


@pytest.fixture
def script(tmp_path):
    def make(text, name="s.gx"):
        path = tmp_path / name
        path.write_text(text)
        return str(path)
    return make


def run(runner, args, input=None):
    return runner.invoke(cli, args, input=input)


# ----------------------------------------------------------------- run

def test_run_prints(runner, script):
    r = run(runner, ["run", script(SQUARES)])
    assert r.exit_code == 0
    assert r.stdout == "tensor(5., grad_fn=<SumBackward0>) tensor([2., 4.])\n"
    assert r.stderr == ""


def test_run_stdin_dash_and_no_subcommand(runner):
    r = run(runner, ["run", "-"], input=SQUARES)
    assert (r.exit_code, r.stdout) == (0, "tensor(5., grad_fn=<SumBackward0>) tensor([2., 4.])\n")
    r = run(runner, [], input="print(1 + 1)\n")      # not a terminal: runs standard input
    assert (r.exit_code, r.stdout) == (0, "2\n")


def test_run_summary(runner, script):
    r = run(runner, ["run", script(SQUARES), "--summary"])
    assert r.exit_code == 0
    assert r.stdout.splitlines()[1:] == [
        "name  shape  value     grad      grad_fn",
        "----  -----  --------  --------  ------------",
        "x     (2,)   [1., 2.]  [2., 4.]  leaf",
        "y     ()     5.        -         SumBackward0",
    ]


def test_run_graph_tree(runner, script):
    r = run(runner, ["run", script(SQUARES), "--graph", "y"])
    assert r.exit_code == 0
    # y = sum(x * x): Mul uses x twice, so the second use refers back to the first
    assert r.stdout.splitlines()[1:] == [
        "y: SumBackward0 () [n0]",
        "└── MulBackward0 (2,) [n1]",
        "    ├── x: AccumulateGrad (2,) [n2]",
        "    └── -> [n2] x: AccumulateGrad (shown above)",
    ]


def test_run_graph_unknown_name(runner, script):
    r = run(runner, ["run", script(SQUARES), "--graph", "nope"])
    assert r.exit_code == 1
    assert "NameError: no variable named 'nope'" in r.stderr


def test_run_json_events(runner, script):
    r = run(runner, ["run", script(SQUARES + "print('done')\n"), "--format", "json", "--graph", "y"])
    assert r.exit_code == 0
    events = [json.loads(line) for line in r.stdout.splitlines()]
    assert events[0] == {"event": "print", "text": "tensor(5., grad_fn=<SumBackward0>) tensor([2., 4.])",
                         "values": [5.0, [2.0, 4.0]]}
    assert events[1] == {"event": "print", "text": "done", "values": ["done"]}
    assert events[2]["event"] == "graph" and events[2]["history"]["root"] == "n0"
    assert events[3] == {"event": "result", "vars": {
        "x": {"type": "tensor", "value": [1.0, 2.0], "grad": [2.0, 4.0], "shape": [2],
              "dtype": "float64", "requires_grad": True, "grad_fn": None},
        "y": {"type": "tensor", "value": 5.0, "grad": None, "shape": [], "dtype": "float64",
              "requires_grad": True, "grad_fn": "SumBackward0"}}}


def test_run_json_has_no_bare_nan(runner):
    r = run(runner, ["run", "-", "--format", "json"],
            input="x = tensor([0.0, 1.0], requires_grad=True)\ny = log(x)\nprint(y)\n")
    assert r.exit_code == 0
    assert "NaN" not in r.stdout and "Infinity" not in r.stdout
    events = [json.loads(line) for line in r.stdout.splitlines()]
    assert [e["event"] for e in events] == ["warning", "print", "result"]
    assert events[0]["nonfinite"] == "-inf" and events[0]["operands"] == {"x": 0.0}
    assert events[1]["values"] == [["-inf", 0.0]]
    assert events[2]["vars"]["y"]["value"] == ["-inf", 0.0]


def test_run_print_end(runner):
    r = run(runner, ["run", "-"], input='print(1, end="")\nprint(" and", 2)\n')
    assert r.stdout == "1 and 2\n"


@pytest.mark.parametrize("source,code,message", [
    ("y = (1 +\n", 2, "<stdin>:1:5: SyntaxError"),
    ("x = tensor(1.0)\nprint(x._data)\n", 2, "<stdin>:2:"),
    ("assert 1 == 2, 'no'\n", 1, "<stdin>:1:1: AssertionError: no"),
    ("x = tensor([1.0, 2.0], requires_grad=True)\n(x * 2).backward()\n", 1,
     "only for scalar outputs"),
    ("print(undefined_name)\n", 1, "<stdin>:1:7: NameError"),
])
def test_run_errors(runner, source, code, message):
    r = run(runner, ["run", "-"], input=source)
    assert r.exit_code == code, r.output
    assert message in r.stderr
    assert "Traceback" not in r.output
    lines = r.stderr.rstrip("\n").split("\n")
    assert lines[-1].strip().startswith("^")        # the caret line under the source line


def test_error_message_shape(runner):
    r = run(runner, ["run", "-"], input="x = 1\ny = (x + * 2)\n")
    assert r.exit_code == 2
    assert r.stderr == ("<stdin>:2:10: SyntaxError: unexpected '*'; expected an expression\n"
                        "    y = (x + * 2)\n"
                        "             ^\n")


def test_debug_shows_traceback(runner):
    r = run(runner, ["run", "-", "--debug"], input="y = (1 +\n")
    assert r.exit_code == 2
    assert "Traceback (most recent call last)" in r.stderr
    assert "<stdin>:1:5: SyntaxError" in r.stderr


def test_strict_turns_nan_warning_into_error(runner):
    source = "x = log(tensor(-1.0))\n"
    r = run(runner, ["run", "-"], input=source)
    assert r.exit_code == 0 and "<stdin>:1:5: NumericWarning" in r.stderr
    r = run(runner, ["run", "-", "--strict"], input=source)
    assert r.exit_code == 1 and "<stdin>:1:5: NumericError" in r.stderr


def test_set_and_vars(runner, tmp_path):
    f = tmp_path / "v.json"
    f.write_text('{"a": 10, "b": 2.5}')
    r = run(runner, ["run", "-", "--vars", str(f), "--set", "a=1"], input="print(a + b)\n")
    assert (r.exit_code, r.stdout) == (0, "3.5\n")        # --set wins over --vars


def test_seed_repeats(runner):
    a = run(runner, ["run", "-", "--seed", "7"], input="print(randn(3))\n").stdout
    b = run(runner, ["run", "-", "--seed", "7"], input="print(randn(3))\n").stdout
    c = run(runner, ["run", "-", "--seed", "8"], input="print(randn(3))\n").stdout
    assert a == b != c and a.startswith("tensor([")


def test_dtype_float32(runner):
    r = run(runner, ["run", "-", "--dtype", "float32"], input="x = tensor([1.5])\nprint(x.dtype)\n")
    assert r.exit_code == 0 and "float32" in r.stdout


@pytest.mark.parametrize("args,source,message", [
    (["--max-steps", "100"], "while True:\n    pass\n", "--max-steps"),
    (["--timeout", "0.2"], "while True:\n    pass\n", "--timeout"),
    (["--max-memory", "1M"], "x = ones(10**6)\n", "--max-memory"),
])
def test_limits(runner, args, source, message):
    r = run(runner, ["run", "-", *args], input=source)
    assert r.exit_code == 1
    assert "LimitError" in r.stderr and message in r.stderr


def test_allow_read_and_write(runner, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("1,2\n3,4\n")
    source = f'print(load("{data}").sum())\n'
    r = run(runner, ["run", "-"], input=source)
    assert r.exit_code == 1 and "--allow-read" in r.stderr
    r = run(runner, ["run", "-", "--allow-read", str(data)], input=source)
    assert (r.exit_code, r.stdout) == (0, "tensor(10.)\n")
    out = tmp_path / "o.npy"
    source = f'save("{out}", ones(2))\n'
    r = run(runner, ["run", "-"], input=source)
    assert r.exit_code == 1 and not out.exists()
    r = run(runner, ["run", "-", "--allow-write", str(tmp_path)], input=source)
    assert r.exit_code == 0 and out.exists()


def test_pretty_is_coloured_plain_is_not(runner, script, monkeypatch):
    r = run(runner, ["run", script(SQUARES), "--format", "pretty"])
    assert "\x1b[" in r.stdout
    monkeypatch.setenv("NO_COLOR", "1")
    r = run(runner, ["run", script(SQUARES), "--format", "pretty"])
    assert "\x1b[" not in r.stdout


# ----------------------------------------------------------------- grad

@pytest.mark.parametrize("args,expected", [
    # x^2 sin x at 1.5 = 2.25 * 0.997495 = 2.24436; 2x sin x + x^2 cos x = 2.99248 + 0.15916 = 3.15164
    (["x**2*sin(x)", "x=1.5"], "f = tensor(2.2444)\ndf/dx = tensor(3.1516)\n"),
    # x*y at (2, 3) = 6; d/dx = y = 3, d/dy = x = 2
    (["x*y", "x=2", "y=3"], "f = tensor(6.)\ndf/dx = tensor(3.)\ndf/dy = tensor(2.)\n"),
    (["x*y", "x=2", "y=3", "--wrt", "x"], "f = tensor(6.)\ndf/dx = tensor(3.)\n"),
    # sum(w*w) at [1,2,3] = 14, gradient 2w
    (["sum(w*w)", "w=[1,2,3]"], "f = tensor(14.)\ndf/dw = tensor([2., 4., 6.])\n"),
    # x^3 at 2: 8, 3x^2 = 12, 6x = 12
    (["x**3", "x=2", "--order", "2"], "f = tensor(8.)\ndf/dx = tensor(12.)\nd2f/dx2 = tensor(12.)\n"),
    # xy + y^2 at (1, 2): 6; (y, x + 2y) = (2, 5); Hessian [[0, 1], [1, 2]]
    (["x*y + y**2", "x=1", "y=2", "--order", "2"],
     "f = tensor(6.)\ndf/dx = tensor(2.)\ndf/dy = tensor(5.)\n"
     "d2f/dx2 = tensor(0.)\nd2f/dxdy = tensor(1.)\nd2f/dydx = tensor(1.)\nd2f/dy2 = tensor(2.)\n"),
    # sum(W v): d/dW_ij = v_j, d/dv_j = sum_i W_ij; continuation lines stay under the first
    (["sum(W @ v)", "W=[[1,2],[3,4]]", "v=[1,1]"],
     "f = tensor(10.)\ndf/dW = tensor([[1., 1.],\n                [1., 1.]])\ndf/dv = tensor([4., 6.])\n"),
    # --set gives a value too
    (["x + 1", "--set", "x=1"], "f = tensor(2.)\ndf/dx = tensor(1.)\n"),
])
def test_grad(runner, args, expected):
    r = run(runner, ["grad", *args])
    assert r.exit_code == 0, r.output
    assert r.stdout == expected


def test_grad_json(runner):
    r = run(runner, ["grad", "x**2*sin(x)", "x=1.5", "--format", "json"])
    obj = json.loads(r.stdout)
    assert obj["expr"] == "x**2*sin(x)"
    assert obj["value"] == pytest.approx(2.25 * math.sin(1.5), rel=1e-12)
    assert obj["grad"]["x"] == pytest.approx(3 * math.sin(1.5) + 2.25 * math.cos(1.5), rel=1e-12)
    assert "hessian" not in obj
    r = run(runner, ["grad", "sum(w*w)", "w=[1,2]", "--order", "2", "--format", "json"])
    assert json.loads(r.stdout) == {"expr": "sum(w*w)", "value": 5.0, "grad": {"w": [2.0, 4.0]},
                                    "hessian": {"w": {"w": [[2.0, 0.0], [0.0, 2.0]]}}}


def test_grad_jsonl(runner):
    lines = '{"x": 0}\n{"x": 1}\n\nnot json\n{"x": -1}\n{"x": "abc"}\n'
    r = run(runner, ["grad", "x**2 + c", "c=10", "--jsonl"], input=lines)
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert out[0] == {"expr": "x**2 + c", "value": 10.0, "grad": {"x": 0.0, "c": 1.0}}
    assert out[1] == {"expr": "x**2 + c", "value": 11.0, "grad": {"x": 2.0, "c": 1.0}}
    assert out[2]["line"] == 4 and out[2]["error"]["kind"] == "InputError"
    assert out[3] == {"expr": "x**2 + c", "value": 11.0, "grad": {"x": -2.0, "c": 1.0}}
    assert out[4]["line"] == 6 and "abc" in out[4]["error"]["message"]
    assert len(out) == 5
    assert r.exit_code == 1          # some lines failed


def test_grad_jsonl_nonfinite(runner):
    r = run(runner, ["grad", "log(x)", "--jsonl"], input='{"x": 0}\n')
    assert r.exit_code == 0
    assert r.stdout == '{"expr": "log(x)", "value": "-inf", "grad": {"x": "inf"}}\n'


def test_grad_syntax_error_exits_2(runner):
    r = run(runner, ["grad", "x +", "x=1"])
    assert r.exit_code == 2 and r.stderr.startswith("<expr>:1:")
    r = run(runner, ["grad", "x +", "--jsonl"], input='{"x": 1}\n')
    assert r.exit_code == 2
    assert [json.loads(line)["event"] for line in r.stdout.splitlines()] == ["error"]


def test_grad_runtime_error_exits_1(runner):
    r = run(runner, ["grad", "x + y", "x=1"])
    assert r.exit_code == 1 and "NameError" in r.stderr


# ----------------------------------------------------------------- graph

def test_graph_formats(runner, script):
    path = script(SQUARES)
    r = run(runner, ["graph", path, "--var", "y"])
    assert r.exit_code == 0
    # the script's print goes to stderr: stdout holds the graph alone
    assert r.stdout.splitlines()[0] == "y: SumBackward0 () [n0]"
    assert "tensor(5." in r.stderr
    r = run(runner, ["graph", path, "--var", "y", "--format", "dot"])
    assert r.stdout.startswith("digraph history {\n") and "  n2 -> n1;\n" in r.stdout
    r = run(runner, ["graph", path, "--var", "y", "--format", "mermaid"])
    assert r.stdout.startswith("flowchart BT\n") and '  n2(["x: AccumulateGrad (2,)"])' in r.stdout
    r = run(runner, ["graph", path, "--var", "y", "--format", "json"])
    hist = json.loads(r.stdout)
    assert [n["op"] for n in hist["nodes"]] == ["SumBackward0", "MulBackward0", "AccumulateGrad"]
    assert hist["edges"] == [{"from": "n0", "to": "n1", "index": 0},
                             {"from": "n1", "to": "n2", "index": 0},
                             {"from": "n1", "to": "n2", "index": 1}]


def test_graph_is_stable(runner, script):
    path = script(SQUARES)
    a = run(runner, ["graph", path, "--var", "y", "--format", "json"]).stdout
    assert a == run(runner, ["graph", path, "--var", "y", "--format", "json"]).stdout


def test_graph_out_file(runner, script, tmp_path):
    out = tmp_path / "g.dot"
    r = run(runner, ["graph", script(SQUARES), "--var", "y", "--format", "dot", "--out", str(out)])
    assert r.exit_code == 0 and r.stdout == ""
    assert out.read_text().startswith("digraph history {")


def test_graph_svg_without_graphviz(runner, script, monkeypatch):
    import shutil
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    r = run(runner, ["graph", script(SQUARES), "--var", "y", "--format", "svg"])
    assert r.exit_code == 1
    assert "needs Graphviz's 'dot' program or the graphviz-pure package" in r.stderr


def test_graph_of_a_non_tensor(runner):
    r = run(runner, ["graph", "-", "--var", "n"], input="n = 3\n")
    assert r.exit_code == 1 and "TypeError" in r.stderr


# ----------------------------------------------------------------- plot

def test_plot_terminal(runner):
    r = run(runner, ["plot", "sin(x)", "--range", "-3:3", "--points", "50"])
    assert r.exit_code == 0
    assert "f(x) = sin(x)" in r.stdout and "df/dx" in r.stdout
    assert "\x1b[" not in r.stdout


def test_plot_json_points(runner):
    r = run(runner, ["plot", "x**2", "--range", "0:2", "--points", "3", "--format", "json"])
    assert json.loads(r.stdout) == {"expr": "x**2", "var": "x", "x": [0.0, 1.0, 2.0],
                                    "f": [0.0, 1.0, 4.0], "df": [0.0, 2.0, 4.0]}


def test_plot_files(runner, tmp_path):
    svg, png = tmp_path / "p.svg", tmp_path / "p.png"
    r = run(runner, ["plot", "t**3", "--var", "t", "--range", "-1:1", "--out", str(svg)])
    assert (r.exit_code, r.stdout) == (0, f"wrote {svg}\n")
    assert svg.read_text().startswith("<svg") and "df/dt" in svg.read_text()
    r = run(runner, ["plot", "a*t", "--var", "t", "--set", "a=2", "--out", str(png)])
    assert r.exit_code == 0 and png.read_bytes()[:4] == b"\x89PNG"


# ----------------------------------------------------------------- check

def test_check_expression(runner):
    # d/dx sum(x^3) = 3x^2 = [3, 12]
    r = run(runner, ["check", "sum(x**3)", "x=[1, 2]"])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["name", "index", "analytic", "numeric", "abs", "err", "rel", "err"]
    assert {tuple(line.split()[:3]) for line in lines[2:4]} == {("x", "[0]", "3"), ("x", "[1]", "12")}
    assert lines[-1] == "OK: 2 gradient entries match finite differences"


def test_check_json(runner):
    r = run(runner, ["check", "x*y", "x=2", "y=3", "--format", "json"])
    obj = json.loads(r.stdout)
    assert obj["ok"] is True and obj["checked"] == 2
    assert sorted((w["name"], round(w["analytic"], 6)) for w in obj["worst"]) == [("x", 3.0), ("y", 2.0)]


def test_check_script(runner, script):
    # c = (a + a^2) a with a = 2x: c = 4x^2 + 8x^3 -> dc/dx = 8x + 24x^2 = 240 at x = 3
    path = script("x = tensor(3.0, requires_grad=True)\na = x * 2\nb = a + a * a\nc = b * a\n")
    r = run(runner, ["check", path])
    assert r.exit_code == 0, r.output
    row = r.stdout.splitlines()[2].split()
    assert row[:4] == ["x", "-", "240", "240"]
    assert r.stdout.splitlines()[-1] == "OK: 1 gradient entry matches finite differences"


def test_check_mismatch_exits_1(runner):
    # relu at 0: the analytic subgradient is 0, the central difference (h - 0) / 2h = 0.5
    r = run(runner, ["check", "relu(x)", "x=0"])
    assert r.exit_code == 1
    assert r.stdout.splitlines()[2].split()[:4] == ["x", "-", "0", "0.5"]
    assert r.stdout.splitlines()[-1].startswith("FAILED: analytic and finite-difference gradients differ")


def test_grad_jsonl_rejects_private_names(runner):
    r = run(runner, ["grad", "x", "--jsonl"], input='{"__class__": 1}\n[1]\n')
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert out[0]["error"]["message"] == "'__class__' is not a valid variable name"
    assert out[1]["error"]["message"] == "expected a JSON object of NAME: VALUE"
    assert r.exit_code == 1


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_script(runner, shell):
    r = runner.invoke(cli, [], prog_name="gradcli", env={"_GRADCLI_COMPLETE": f"{shell}_source"})
    assert r.exit_code == 0 and "_GRADCLI_COMPLETE" in r.stdout


def test_shell_completion_of_commands(runner):
    r = runner.invoke(cli, [], prog_name="gradcli",
                      env={"_GRADCLI_COMPLETE": "bash_complete", "COMP_WORDS": "gradcli gr",
                           "COMP_CWORD": "1"})
    assert r.stdout.split() == ["plain,grad", "plain,graph"]


def test_graph_svg_and_png_through_graphviz(runner, script, tmp_path, monkeypatch):
    # a stand-in for Graphviz's dot: checks it is given dot source and answers per -T format
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\ngrep -q '^digraph history {' || exit 3\n"
                    "case \"$1\" in -Tsvg) echo '<svg>fake</svg>';; -Tpng) printf 'PNGDATA';; esac\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    path = script(SQUARES)
    r = run(runner, ["graph", path, "--var", "y", "--format", "svg"])
    assert (r.exit_code, r.stdout) == (0, "<svg>fake</svg>\n")
    out = tmp_path / "g.png"
    r = run(runner, ["graph", path, "--var", "y", "--format", "png", "--out", str(out)])
    assert r.exit_code == 0 and out.read_bytes() == b"PNGDATA"


@pytest.mark.parametrize("args,source,message", [
    (["--max-elements", "10"], "x = ones(11)\n", "--max-elements"),
    (["--max-depth", "5"], "def f(n):\n    return f(n + 1)\nf(0)\n", "--max-depth"),
    (["--max-nesting", "3"], "x = ((((1))))\n", "nesting"),
    (["--max-source", "10"], "x = 1 + 2 + 3 + 4\n", "source larger than"),
    (["--max-list", "5"], "l = [1, 2, 3]\nl = l + l\n", "--max-list"),
    (["--max-flops", "10"], "x = ones((10, 10)) @ ones((10, 10))\n", "--max-flops"),
    (["--max-graph", "5"], "x = tensor(1.0, requires_grad=True)\ny = x\nfor i in range(10):\n"
                           "    y = y * 1.0\n", "--max-graph"),
])
def test_more_limits(runner, args, source, message):
    r = run(runner, ["run", "-", *args], input=source)
    assert r.exit_code in (1, 2), r.output
    assert message in r.stderr


def test_limits_raised_let_the_script_run(runner):
    r = run(runner, ["run", "-", "--max-elements", "100"], input="print(ones(11).sum())\n")
    assert (r.exit_code, r.stdout) == (0, "tensor(11.)\n")


# shared/HOSTILE.md through the command line: the exit status and one positioned message
HOSTILE = [
    ("S1", b"x = tensor(1.0)\nx.__class__\n", 2, "<stdin>:2:2: SecurityError"),
    ("S5", b'__import__("os").system("id")\n', 2, "<stdin>:1:1: SecurityError"),
    ("S6", b'eval("1")\n', 1, "<stdin>:1:1: NameError"),
    ("S11", b"exit()\n", 1, "<stdin>:1:1: NameError"),
    ("S12", b"import os\n", 2, "SyntaxError"),
    ("R2", b"ones(10 ** 12)\n", 1, "LimitError"),
    ("R6", b"while True: pass\n", 1, "--max-steps"),
    ("R8", b"def f(n): return f(n + 1)\nf(0)\n", 1, "<stdin>:1:18: LimitError"),
    ("R10", b"x = " + b"(" * 10000 + b"1" + b")" * 10000 + b"\n", 1, "nesting deeper than"),
    ("R12", b"x = " + b"1+" * 200000 + b"1\n", 1, "source larger than"),
    ("P1", b"if x > 0:\n", 2, "<stdin>:2:1: SyntaxError"),
    ("P6", "if x:\n\u00a0\u00a0y = 1\n".encode(), 2, "U+00A0"),
    ("P8", "x = 1  # \u202e\n".encode(), 2, "U+202E"),
    ("P9", b"x = 1\x00\n", 2, "<stdin>:1:6: SyntaxError: NUL byte"),
    ("P10", b"x = \xff\n", 2, "invalid UTF-8"),
    ("N8", b"ones(3) + ones(4)\n", 1, "<stdin>:1:9: ShapeError"),
]


@pytest.mark.parametrize("case,source,code,message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_inputs(runner, case, source, code, message):
    r = runner.invoke(cli, ["run", "-", "--max-steps", "100000"], input=source)
    assert r.exit_code == code
    assert message in r.stderr
    assert r.stderr.startswith("<stdin>:") and "Traceback" not in r.stderr


def test_hostile_ok_inputs(runner):
    r = runner.invoke(cli, ["run", "-"], input=b"\xef\xbb\xbfx = 1\r\nprint(x)")     # P11
    assert (r.exit_code, r.stdout) == (0, "1\n")
    r = runner.invoke(cli, ["run", "-"], input=b"y = 1 / 0\nprint(y)\n")          # N5
    assert (r.exit_code, r.stdout) == (0, "inf\n") and "<stdin>:1:" in r.stderr


def test_json_error_event(runner):
    r = run(runner, ["run", "-", "--format", "json"], input="print(1)\nassert 1 == 2, 'no'\n")
    assert r.exit_code == 1
    events = [json.loads(line) for line in r.stdout.splitlines()]
    assert events[0]["event"] == "print"
    assert events[1] == {"event": "error", "kind": "AssertionError", "message": "no", "file": "<stdin>",
                         "line": 2, "col": 1, "exit_code": 1, "calls": []}
    assert "<stdin>:2:1: AssertionError: no" in r.stderr
